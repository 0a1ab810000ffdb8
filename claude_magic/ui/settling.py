"""What every reply view shares: `with view:` settles it however the block ends, as rich's `Live` does."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

from ..core.errors import ClaudeMagicError
from ..core.transcript import Reply

_View = TypeVar("_View", bound="SettlesOnExit")


class SettlesOnExit:
    """A view that has finished stays as it is; leaving `with view:` any other way stops it with the reason.

    The exception, if any, goes on: a view shows a failure, it never swallows one.
    """

    settled = False  # True once finish or stop has drawn the final state

    def stop(self, partial: Reply | None, reason: str) -> None:
        raise NotImplementedError

    def __enter__(self: _View) -> _View:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if not self.settled:
            self.stop(getattr(error, "partial", None), stop_reason(error))


def stop_reason(error: BaseException | None) -> str:
    """What a view says ended the reply: our one line, "interrupted", or the exception's type."""
    if isinstance(error, ClaudeMagicError):
        return error.message
    if error is None:
        return "ended before the reply was complete"
    return "interrupted" if isinstance(error, KeyboardInterrupt) else type(error).__name__
