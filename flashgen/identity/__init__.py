"""Stage 4, card identity: deriving each card's id from its key, the ledger of the ids the
last build gave (with the texts they were matched on), and matching vanished cards to new
ones so that edited, renamed and moved cards keep their ids and their review history."""
