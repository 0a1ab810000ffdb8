"""The real-shell fixtures of tests/ipython, for the option and %config fault tests."""

from tests.ipython.conftest import magics, run, shell  # noqa: F401  (pytest finds fixtures by name)
