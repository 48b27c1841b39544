"""Stage 3, card sources: one module (or package) per card syntax, each turning a parsed
note into cards. :mod:`.registry` maps each ``sources:`` flag of ``flashgen.yaml`` to its
extractor; the extractors share :mod:`.context` and :mod:`.cloze` but never import each
other. To add a card syntax, add a module here and a line to the registry."""
