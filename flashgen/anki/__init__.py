"""Stage 6a, Anki: the package writer (the only importer of genanki), flashgen's note types
(ids, templates, CSS), rendering card Markdown into field HTML and its cache, and
sanitising that HTML."""
