"""Reads in discussions, always through the access rule (one module per area)."""
