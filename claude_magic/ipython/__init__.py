"""IPython integration: the only code that knows user_ns, %config, display choice and hooks."""
