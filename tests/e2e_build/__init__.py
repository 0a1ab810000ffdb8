"""Environments built from binder/ (and the like) as their hosts build them (run with `make e2e`)."""
