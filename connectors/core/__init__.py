"""The connector core: written once, used by every source."""
