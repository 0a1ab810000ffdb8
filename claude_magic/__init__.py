"""claude_magic: Claude as a first-class notebook tool (`%load_ext claude_magic`).

The package face: modules are private (`_session`, `_client`, ...) or sub-packages, and
everything public is re-exported here and pinned by `__all__`.
"""

from __future__ import annotations

from typing import Any

# The session module imports only the stdlib-only core at import time; %load_ext stays cheap.
from ._session import Session
from .core.errors import (
    AttachmentError,
    CallInterrupted,
    ClaudeMagicError,
    MissingKeyError,
    RequestFailed,
    SettingsError,
    StreamFailed,
    TranscriptFileError,
)
from .core.settings import Settings
from .core.transcript import Reply

__version__ = "0.1.0"
__all__ = [
    "AttachmentError",
    "CallInterrupted",
    "ClaudeMagicError",
    "MissingKeyError",
    "Reply",
    "RequestFailed",
    "Session",
    "Settings",
    "SettingsError",
    "StreamFailed",
    "TranscriptFileError",
    "__version__",
    "load_ipython_extension",
    "session",
    "settings_panel",
    "unload_ipython_extension",
]

_shared: Session | None = None


def session() -> Session:
    """The one shared Session of this Python process, created on first use."""
    global _shared
    if _shared is None:
        _shared = Session()
    return _shared


def load_ipython_extension(ipython: Any) -> None:
    """Register %%claude and %claude, bound to the shared session; imports nothing heavy."""
    from .ipython.extension import load

    load(ipython, session())


def unload_ipython_extension(ipython: Any) -> None:
    """Remove what load_ipython_extension added."""
    from .ipython.extension import unload

    unload(ipython)


def settings_panel() -> Any:
    """Live settings controls bound to %config ClaudeMagics (needs %load_ext claude_magic)."""
    from .ipython.extension import settings_panel as make_panel

    return make_panel()
