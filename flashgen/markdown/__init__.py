"""Stage 2, Markdown as Obsidian reads it: the one markdown-it parser and its Obsidian
plugins (callouts, wiki-links and embeds, tags, block ids, highlights, math), parsing a
note into tokens, frontmatter, tags and headings, and helpers over tokens and over source
text. Each piece of Obsidian syntax is recognised in one module of this folder."""
