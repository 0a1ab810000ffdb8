"""Displays that consume reply events and records; never imports session or ipython."""
