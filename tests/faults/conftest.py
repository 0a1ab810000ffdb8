"""The IPython shell fixtures, shared with the fault suite."""

from tests.ipython.conftest import magics, run, shell  # noqa: F401
