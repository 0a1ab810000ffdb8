"""The error tree; each error shows as one line in IPython through `_render_traceback_`.

ClaudeMagicError
├── SettingsError        a bad option, %config value or setting combination
├── MissingKeyError      no credentials for the real API
├── AttachmentError      a name, file or object that cannot be sent
├── TranscriptFileError  a transcript or recording file that cannot be read or written
├── ToolDefinitionError  a notebook object that cannot be offered to the model as a tool
├── SchemaError          a structured-output schema the API cannot take
├── StructuredOutputError  a reply that is not the JSON its schema asked for (the raw text stays on the reply)
├── McpError             an MCP server that cannot start, answer a call, or stays up no longer
├── BudgetExceeded       a request whose worst-case cost would cross --max-cost or the session budget
├── PlatformError        a request or setting the chosen cloud platform (Bedrock, Vertex AI, Foundry) does not take
└── RequestFailed        the API call failed (status, API message, request id, partial reply)
    ├── StreamFailed     the call failed after the reply had started
    └── RequestTimedOut  no answer within ClaudeMagics.timeout

CallInterrupted (a KeyboardInterrupt, so Run All stops) carries the partial reply of an interrupted call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .transcript import Reply


LINE_CHARS = 300
API_MESSAGE_CHARS = 200  # a server's message inside a longer line of ours (a retry wait beyond the cap)
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


class ClaudeMagicError(Exception):
    """Base class: a one-line message saying what happened and what to do."""

    partial: Reply | None = None  # set when the error ended a call: what arrived before it, if anything

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

    def __init__(self, message: str) -> None:
        # A hostile file's field names may hold newlines or run long; the line stays one short line.
        super().__init__(one_line(message))
        self.full_message = message


class ToolDefinitionError(ClaudeMagicError, ValueError):
    """A name given to --tools that cannot become a tool (not callable, a class, a parameter with no JSON schema)."""


class SchemaError(ClaudeMagicError, ValueError):
    """A structured-output schema that is not a type or an object JSON schema the API accepts; nothing was sent."""


class StructuredOutputError(ClaudeMagicError, ValueError):
    """The reply's text is not valid JSON or does not match the schema; the raw text is kept on the reply."""


class McpError(ClaudeMagicError):
    """An MCP server that cannot be started, does not answer, or stopped; the message names the server.

    `message` is one line (whitespace collapsed, cut to LINE_CHARS); `stderr` keeps the last lines the
    server wrote to its stderr, if any, for whoever wants more than the line shows.
    """

    def __init__(self, message: str, *, stderr: str = "") -> None:
        # Not one_line(): a server's stderr is plain text, where "<module>" is no HTML tag to strip.
        flat = " ".join(message.split())
        super().__init__(flat if len(flat) <= LINE_CHARS else flat[: LINE_CHARS - 1].rstrip() + "…")
        self.stderr = stderr


class BudgetExceeded(ClaudeMagicError):
    """A request whose worst-case cost would cross --max-cost or the session budget, or is unknown; nothing was sent."""


class PlatformError(ClaudeMagicError, ValueError):
    """A request or setting the chosen cloud platform does not take, named with its fix; nothing was sent."""


class RequestFailed(ClaudeMagicError):
    """The API call failed; the chat is unchanged. `partial` is what arrived before the failure, if anything.

    `message` is one short line; `full_message` keeps the whole text (e.g. a proxy's HTML page).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        partial: Reply | None = None,
        full_message: str | None = None,
    ) -> None:
        super().__init__(one_line(message))
        self.full_message = full_message or message
        self.status = status
        self.request_id = request_id
        self.partial = partial


class StreamFailed(RequestFailed):
    """The call failed after output had started; the partial reply is kept on screen only."""


class RequestTimedOut(RequestFailed):
    """No answer (or no next piece of the reply) within the read timeout."""


class CallInterrupted(KeyboardInterrupt):
    """The user interrupted a call; `partial` is what arrived before (None: none started). The chat is unchanged."""

    def __init__(
        self,
        partial: Reply | None,
        line: str = "the reply was interrupted; the partial text stays above, not in the chat.",
    ) -> None:
        super().__init__("interrupted")
        self.partial = partial
        self.line = line  # what was interrupted and what became of it

    def _render_traceback_(self) -> list[str]:
        # A short line instead of a traceback; the KeyboardInterrupt still stops Run All.
        return [f"KeyboardInterrupt: {self.line}"]


def describe_api_error(
    status: int | None,
    api_message: str,
    request_id: str | None,
    limit: int | None = LINE_CHARS,
    platform: tuple[str, str] | None = None,
) -> str:
    """One line of at most `limit` characters for an API failure: status, the API's own message, request id, hint.

    The API's words end with how to fix the request ("(limit: 16 parameters with unions)"), so they are
    kept whole where they fit: the hint goes first, then the request id. A message too long to fit alone is
    cut, and the request id that finds it whole stays.
    `limit=None` keeps everything as said. `platform` is (its name, its own hint for this status or "")
    when requests go through a cloud platform.
    """
    name = platform[0] if platform else "API"
    head = f"{name} error {status}" if status else f"{name} error"
    tail = f" (request id {request_id})" if request_id else ""
    hint = _HINTS.get(status or 0, "") if platform is None or status not in _KEY_STATUSES else ""
    hint = platform[1] if platform and platform[1] else hint
    if not limit:
        return f"{head}: {api_message}{tail}.{hint}"
    said = one_line(api_message, max(len(api_message), 1))  # one line, nothing cut yet
    shorter = (f"{head}: {said}{tail}.{hint}", f"{head}: {said}{tail}.", f"{head}: {said}.")
    whole = next((line for line in shorter if len(line) <= limit), None)
    if whole is not None:
        return whole
    # The message is cut whatever is dropped, so the request id that finds it whole stays.
    room = limit - len(f"{head}: {tail}.")
    return f"{head}: {one_line(said, room)}{tail}." if room > len(tail) else one_line(f"{head}: {said}", limit)


def continue_hint(message: str, hint: str) -> str:
    """`message` cut so that `hint` (how to go on) still fits on the one line after it."""
    return f"{one_line(message, max(LINE_CHARS - len(hint) - 1, 1))} {hint}"


def one_line(text: str, limit: int = LINE_CHARS) -> str:
    """`text` as one readable line of at most `limit` characters: HTML reduced to its text, whitespace collapsed."""
    if _TAG.search(text):
        import html  # loads with the first error page

        text = html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", text)))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_KEY_STATUSES = (401, 403)  # their Claude API hints name ANTHROPIC_API_KEY, which a cloud platform does not use
_HINTS = {
    401: " Check ANTHROPIC_API_KEY.",
    403: " Your key lacks permission for this request.",
    404: " Check the model id with %claude models.",
    413: " The request is too large; attach less.",
    429: " Rate limited after retries; wait a moment and re-run the cell.",
    500: " The API had an internal error; re-run the cell.",
    529: " The API is overloaded; re-run the cell shortly.",
}
