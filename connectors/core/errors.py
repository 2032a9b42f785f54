"""Errors a user can act on. Each message names the thing to fix, and never holds a secret."""


class ConnectorError(RuntimeError):
    """A sync failed in a way the user must fix (credentials, configuration, the vendor's answer)."""


class SourceNotConfigured(ConnectorError):
    """The source has no connection configured; the sync is skipped, not failed."""
