"""Transcript persistence: JSON Lines files, exports by extension, and pandas frames (core/ keeps the pure records)."""
