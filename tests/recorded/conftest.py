"""The real IPython shell and magics of tests/ipython, for replaying recordings through %%claude."""

from tests.ipython.conftest import magics, shell

__all__ = ["magics", "shell"]
