"""Stage 1, the vault on disk: which files make it up, reading a note's bytes into text,
and resolving links and embeds the way Obsidian does. Nothing outside the vault is read."""
