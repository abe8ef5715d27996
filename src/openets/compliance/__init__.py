"""Compliance: the yearly cycle of surrender against verified emissions, offsets and penalties."""
