"""The one exception a user of the attribution library can cause, with a message that names what to fix."""

from __future__ import annotations


class AttributionError(ValueError):
    """Bad input or options: the message says which column, row or option to fix, and how."""
