"""The embedded default: the whole servicedesk in one process on one machine."""
