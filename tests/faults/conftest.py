"""The IPython shell fixtures of tests/ipython, shared with the fault suite."""

from tests.ipython.conftest import magics, run, shell  # noqa: F401  (pytest finds fixtures by name)
