"""One streamed API call: SDK events -> our events, and SDK failures -> one-line errors that carry the partial reply."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..core.errors import (
    LINE_CHARS,
    CallInterrupted,
    ClaudeMagicError,
    RequestFailed,
    RequestTimedOut,
    StreamFailed,
    describe_api_error,
    one_line,
)
from ..core.events import Event, TextDelta, ThinkingDelta
from ..core.platforms import credential_failure, error_context
from ..core.stream import StreamState, as_dict, consume
from ..core.transcript import Reply
from ..core.usage import Usage, usage_from_api
from .network_policy import NetworkPolicy, TimedOut, prepare_client

EventSink = Callable[[Event], None]
Pricing = Callable[[Usage], "float | None"]
Notify = Callable[[str, str], None]
StatusSink = Callable[[str], None]

# warnings.catch_warnings swaps process-wide state: only one thread may hold it at a time.
_WARNINGS_LOCK = threading.Lock()


class NotAReply(Exception):
    """The response or stream cannot be a reply: not an event stream, or it ended without `message_stop`."""


class Call:
    """Streams one request through `client` and returns the complete Reply, or raises with the partial one."""

    platform: str | None = None  # the cloud platform requests go through (its name and fixes go into errors)

    def __init__(
        self,
        chat: str,
        model: str,
        cost: Pricing,
        on_event: EventSink | None,
        notify: Notify,
        state: StreamState,
        policy: NetworkPolicy | None = None,
        on_status: StatusSink | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.chat, self.model, self.cost = chat, model, cost
        self.headers = dict(headers or {})  # sent as extra_headers; never shown, recorded or put in an error
        self.on_event: EventSink = on_event or (lambda event: None)
        self.on_status: StatusSink = on_status or (lambda status: None)
        self.notify = notify
        self.policy = policy or NetworkPolicy()
        self.state = state  # shared by the calls of one paused-and-continued turn
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self.ttft_s: float | None = None
        self.request_id: str | None = None
        self.replay_key: str | None = None  # the fingerprint of what was sent, as a recording keys its reply
        self.retried_on_timeout = False
        self.answered = False  # the API's response headers arrived; what breaks after is a cut mid-body

    def run(self, connect: Callable[[], Any], request: dict[str, Any]) -> Reply:
        """The complete reply; RequestFailed, StreamFailed or CallInterrupted carry the partial one.

        `connect` gives the SDK client (building it may fail too, e.g. an unreadable recording).
        """
        try:
            return self._succeed(self._attempts(connect, request))
        except KeyboardInterrupt:
            raise CallInterrupted(self._reply(complete=False, error="interrupted")) from None
        except Exception as error:  # every failure, expected or not, becomes one line with the partial reply
            self._raise(error, self._describe(error), self._describe(error, limit=None))

    def _attempts(self, connect: Callable[[], Any], request: dict[str, Any]) -> Any:
        """The final message: the SDK retries; after a timeout before any answer, one more try with no read limit."""
        _check_request(request)
        base = connect()
        try:
            return self._stream(prepare_client(base, self.policy, self.on_status), request)
        except TimedOut:
            if not self.policy.retry_on_timeout:
                raise
        self.retried_on_timeout = True
        self.on_status(f"no answer in {self.policy.timeout:g} s; one more attempt with no read limit")
        unlimited = prepare_client(base, self.policy, self.on_status, unlimited_read=True)
        return self._stream(unlimited, request)

    def _stream(self, client: Any, request: dict[str, Any]) -> Any:
        self.state.finished = False  # the state may carry a paused turn's earlier calls, which did finish
        with self._open(client, request) as stream:
            self.answered = True
            self.request_id = stream.request_id
            self.replay_key = _replay_key(stream.response.request)
            _check_event_stream(stream.response)
            for sdk_event in stream:
                for event in consume(self.state, sdk_event):
                    self._emit(event)
            if not self.state.finished:
                raise NotAReply(self._unfinished())
            return stream.get_final_message()

    def _unfinished(self) -> str:
        if not self.state.message_id:
            return "The API's stream ended before the reply began; re-run the cell."
        return "The connection closed before the reply finished (no message_stop); re-run the cell."

    def _open(self, client: Any, request: dict[str, Any]) -> Any:
        """`client.messages.stream(...)`, showing each SDK warning (e.g. a deprecated model) once as one line.

        A request with `betas` (beta features, compaction) goes through the SDK's beta surface,
        which sends them as the `anthropic-beta` header and streams the beta block types.
        """
        surface = client.beta.messages if request.get("betas") else client.messages
        extra = {"extra_headers": self.headers} if self.headers else {}
        with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            manager = surface.stream(**request, **extra)
        for warning in caught:
            first_line = str(warning.message).splitlines()[0]
            self.notify(f"sdk:{first_line}", first_line)
        return manager

    def _describe(self, error: Exception, limit: int | None = LINE_CHARS) -> str:
        """One line for any failure of the call."""
        import anthropic
        import httpx2

        if isinstance(error, ClaudeMagicError):
            return str(getattr(error, "full_message", error.message))
        if isinstance(error, NotAReply):
            return str(error)
        if isinstance(error, TimedOut | anthropic.APITimeoutError | httpx2.TimeoutException):
            return self._timeout_message()
        if isinstance(error, anthropic.APIStatusError):
            # An `event: error` inside a 200 stream carries status 200, which says nothing useful.
            status = error.status_code if error.status_code != 200 else None
            platform = error_context(self.platform, status)
            return describe_api_error(status, _api_message(error), error.request_id, limit, platform)
        if credential_failure(error):  # botocore's or google-auth's, raised while the SDK signs the request
            return str(credential_failure(error))
        if isinstance(error, json.JSONDecodeError):  # an SSE `data:` line that is not JSON
            return f"The API's stream carried a malformed event ({error}); re-run the cell."
        broke = _cut_mid_body(error, answered=self.answered)
        if broke is not None:
            return f"The connection to the API broke ({broke or type(broke).__name__}); re-run the cell."
        if isinstance(error, anthropic.APIConnectionError):
            return f"Could not reach the API ({error.message}); check the network and re-run the cell."
        return f"Unexpected {type(error).__name__}: {error} (the full error is on the exception's __cause__)."

    def _timeout_message(self) -> str:
        seconds = f"{self.policy.timeout:g} s"
        where = "next piece of the reply" if self.state.message_id else "answer"
        again = " (and once more with no read limit)" if self.retried_on_timeout else ""
        return (
            f"No {where} from the API within {seconds}{again}; wait longer with "
            "%config ClaudeMagics.timeout = 120, then re-run the cell."
        )

    def _emit(self, event: Event) -> None:
        if self.ttft_s is None and isinstance(event, TextDelta | ThinkingDelta):
            self.ttft_s = time.perf_counter() - self._t0
        self.on_event(event)

    def _raise(self, error: Exception, message: str, full: str) -> Any:
        self.request_id = getattr(error, "request_id", None) or self.request_id
        self.replay_key = self.replay_key or _replay_key(_sent_request(error))
        started = bool(self.state.text or self.state.thinking)
        if started:
            room = LINE_CHARS - len(_STOPPED_EARLY.format(cause=""))
            message = _STOPPED_EARLY.format(cause=one_line(self._describe(error, room), room))
        partial = self._reply(complete=False, error=one_line(message))
        if _keeps_type(error):
            error.partial = partial
            raise error
        status = getattr(error, "status_code", None) or getattr(error, "status", None)
        kind = _kind(error, started)
        failure = kind(message, status=status, request_id=self.request_id, partial=partial, full_message=full)
        raise failure from error

    def _succeed(self, final: Any) -> Reply:
        # The stream's own usage wins: the SDK's final message keeps message_start's cache split and iterations.
        self.state.usage = {**as_dict(final.usage), **self.state.usage}
        content = tuple(as_dict(block) for block in final.content)
        reply = self._reply(content=content, miss_reason=_miss_reason(final))
        container = getattr(final, "container", None)
        return replace(reply, container=as_dict(container)) if container is not None else reply

    def _reply(
        self,
        *,
        content: tuple[dict[str, Any], ...] = (),
        complete: bool = True,
        error: str | None = None,
        miss_reason: str | None = None,
    ) -> Reply:
        s = self.state
        usage = usage_from_api(s.usage)
        return Reply(
            text=s.text,
            thinking=s.thinking,
            citations=tuple(s.citations),
            usage=usage,
            stop_reason=s.stop_reason,
            model=s.model or self.model,
            message_id=s.message_id,
            request_id=self.request_id,
            content=content,
            cost_usd=self.cost(usage),
            complete=complete,
            error=error,
            chat=self.chat,
            ttft_s=self.ttft_s,
            duration_s=time.perf_counter() - self._t0,
            started_at=self.started_at,
            cache_miss_reason=miss_reason,
            stop_details=s.stop_details,
        )


_STOPPED_EARLY = "The reply stopped early: {cause} The partial text was not added to the chat."


def _replay_key(request: Any) -> str | None:
    """The record/replay fingerprint of the httpx2 request the SDK sent (None when nothing was sent)."""
    if request is None:
        return None
    from .replay import fingerprint

    try:
        return fingerprint(request)
    except ValueError:  # a body that is not JSON has no key a recording could hold; the call itself is fine
        return None


def _sent_request(error: Exception) -> Any:
    """The request a failed call sent: the SDK's status and connection errors carry it."""
    response = getattr(error, "response", None)
    return getattr(response, "request", None) or getattr(error, "request", None)


def _cut_mid_body(error: Exception, answered: bool) -> Exception | None:
    """The transport error of a connection cut while the reply's body was read, else None.

    A cut mid-body escapes anthropic 2.12.0's stream iterator as the bare httpx2 error; 2.17.0 wraps it
    in APIConnectionError (checked on 2.12.0 and 2.17.0). Either way the API had answered.
    """
    import anthropic
    import httpx2

    if isinstance(error, httpx2.TransportError):
        return error
    cause = error.__cause__
    if answered and isinstance(error, anthropic.APIConnectionError) and isinstance(cause, httpx2.TransportError):
        return cause
    return None


def _kind(error: Exception, started: bool) -> type[RequestFailed]:
    import anthropic
    import httpx2

    if started:
        return StreamFailed
    if isinstance(error, TimedOut | anthropic.APITimeoutError | httpx2.TimeoutException):
        return RequestTimedOut
    return type(error) if isinstance(error, RequestFailed) else RequestFailed


def _keeps_type(error: Exception) -> bool:
    """A setup error (no key, an unreadable recording) stays what it is; everything else becomes RequestFailed."""
    import anthropic

    setup = isinstance(error, ClaudeMagicError) and not isinstance(error, RequestFailed | anthropic.AnthropicError)
    return setup


def _check_request(request: dict[str, Any]) -> None:
    if "stream" in (request.get("extra_body") or {}):
        raise RequestFailed("--param stream cannot be set: %%claude always streams the reply. Nothing was sent.")


STREAM_TYPES = ("text/event-stream", "application/vnd.amazon.eventstream")  # SSE, and Bedrock's AWS event stream


def _check_event_stream(response: Any) -> None:
    """A 200 that is not an event stream (a proxy's HTML page, a JSON error) fails with what it says."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith(STREAM_TYPES):
        return
    body = response.read().decode("utf-8", "replace")
    error = _json_error(body)
    if error is not None:
        raise NotAReply(describe_api_error(None, error, response.headers.get("request-id"), None))
    raise NotAReply(
        f"The server answered with {content_type or 'no content type'} instead of the API's event stream "
        f"(a proxy or captive portal in the way?): {body}"
    )


def _json_error(body: str) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return _body_message(data) if isinstance(data, dict) and data.get("type") == "error" else None


def _miss_reason(final: Any) -> str | None:
    """The `cache_miss_reason.type` of a final message's diagnostics, if the API gave one."""
    reason = getattr(getattr(final, "diagnostics", None), "cache_miss_reason", None)
    return getattr(reason, "type", None)


def _api_message(error: Any) -> str:
    """The API's own error message, falling back to the SDK's."""
    return str(getattr(error, "api_message", None) or _body_message(error.body) or error.message)


def _body_message(body: Any) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return None
