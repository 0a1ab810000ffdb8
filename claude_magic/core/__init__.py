"""Pure building blocks of claude_magic: stdlib only, no I/O, no IPython, no SDK."""
