"""The error tree; each error shows as one line in IPython through `_render_traceback_`.

ClaudeMagicError
├── SettingsError        a bad option, %config value or setting combination
├── MissingKeyError      no credentials for the real API
├── AttachmentError      a name, file or object that cannot be sent
├── TranscriptFileError  a transcript or recording file that cannot be read or written
└── RequestFailed        the API call failed (status, API message, request id, partial reply)
    └── StreamFailed     the call failed after the reply had started

CallInterrupted (a KeyboardInterrupt, so Run All stops) carries the partial reply of an interrupted call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transcript import Reply


class ClaudeMagicError(Exception):
    """Base class: a one-line message saying what happened and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        # IPython prints these lines instead of a traceback (ipython#14024).
        return [f"{type(self).__name__}: {self.message}"]


class SettingsError(ClaudeMagicError, ValueError):
    """A bad option, %config value or setting combination; nothing was sent."""


class MissingKeyError(ClaudeMagicError):
    """No API credentials were found."""

    def __init__(self) -> None:
        super().__init__(
            "No Anthropic API key found. Set one with %env ANTHROPIC_API_KEY=..., "
            "or try offline with %config ClaudeMagics.simulate = True"
        )


class AttachmentError(ClaudeMagicError):
    """An attachment or template expression that cannot be sent; nothing was sent."""


class TranscriptFileError(ClaudeMagicError):
    """A transcript, autosave or recording file that cannot be loaded or written; nothing was changed."""


class RequestFailed(ClaudeMagicError):
    """The API call failed; the chat is unchanged. `partial` is what arrived before the failure, if anything."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        partial: Reply | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id
        self.partial = partial


class StreamFailed(RequestFailed):
    """The call failed after output had started; the partial reply is kept on screen only."""


class CallInterrupted(KeyboardInterrupt):
    """The user interrupted a call; `partial` is what arrived before. The chat is unchanged."""

    def __init__(self, partial: Reply) -> None:
        super().__init__("interrupted")
        self.partial = partial


def describe_api_error(status: int | None, api_message: str, request_id: str | None) -> str:
    """One line for an API failure: status, the API's own message and the request id."""
    head = f"API error {status}" if status else "API error"
    tail = f" (request id {request_id})" if request_id else ""
    hint = _HINTS.get(status or 0, "")
    return f"{head}: {api_message}{tail}.{hint}"


_HINTS = {
    401: " Check ANTHROPIC_API_KEY.",
    403: " Your key lacks permission for this request.",
    404: " Check the model id with %claude models.",
    413: " The request is too large; attach less.",
    429: " Rate limited after retries; wait a moment and re-run the cell.",
    500: " The API had an internal error; re-run the cell.",
    529: " The API is overloaded; re-run the cell shortly.",
}
