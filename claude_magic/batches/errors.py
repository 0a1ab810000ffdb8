"""The one-line failures of batch cells."""

from __future__ import annotations

from ..core.errors import ClaudeMagicError


class BatchInputError(ClaudeMagicError, ValueError):
    """A batch cell that cannot be sent as written (empty frame, missing column, bad option); nothing was sent."""


class BatchStateError(ClaudeMagicError):
    """A batch that cannot be found, resumed or joined (no saved record, a changed frame, not ended yet)."""
