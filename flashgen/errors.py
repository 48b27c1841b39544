"""Library exceptions; the CLI turns each into a one-line ``Error: ...`` message."""


class FlashgenError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class VaultNotFound(FlashgenError):
    """The vault folder does not exist or is not a folder."""


class ConfigError(FlashgenError):
    """``flashgen.yaml`` has an unknown key, a wrong type or bad YAML."""


class OutputError(FlashgenError):
    """An output file could not be written."""


class SyncError(FlashgenError):
    """An Anki collection cannot be synced (locked, not one, too new, read-only); it is
    left unchanged."""
