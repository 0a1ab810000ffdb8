"""claude_magic: Claude as a first-class notebook tool (`%load_ext claude_magic`)."""

from __future__ import annotations

from typing import Any

# Imported first so that defining session() below replaces the submodule attribute that the
# import system sets on this package; session.py itself imports only the stdlib-only core.
from .session import Session as _Session

__version__ = "0.1.0"
__all__ = ["__version__", "load_ipython_extension", "session", "settings_panel", "unload_ipython_extension"]

_shared: _Session | None = None


def session() -> _Session:
    """The one shared Session of this Python process, created on first use."""
    global _shared
    if _shared is None:
        _shared = _Session()
    return _shared


def load_ipython_extension(ipython: Any) -> None:
    """Register %%claude and %claude; imports nothing heavy."""
    from .ipython.extension import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove what load_ipython_extension added."""
    from .ipython.extension import unload

    unload(ipython)


def settings_panel() -> Any:
    """Live settings controls bound to %config ClaudeMagics (needs %load_ext claude_magic)."""
    from .ipython.commands import settings_panel as make_panel

    return make_panel()
