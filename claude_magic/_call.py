"""One streamed API call: SDK events -> our events, and SDK failures -> one-line errors that carry the partial reply."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

from .core.errors import CallInterrupted, ClaudeMagicError, RequestFailed, StreamFailed, describe_api_error
from .core.events import Event, TextDelta, ThinkingDelta
from .core.stream import StreamState, as_dict, consume
from .core.transcript import Reply
from .core.usage import Usage, usage_from_api

EventSink = Callable[[Event], None]
Pricing = Callable[[Usage], "float | None"]
Notify = Callable[[str, str], None]

# warnings.catch_warnings swaps process-wide state: only one thread may hold it at a time.
_WARNINGS_LOCK = threading.Lock()


class Call:
    """Streams one request through `client` and returns the complete Reply, or raises with the partial one."""

    def __init__(
        self, chat: str, model: str, cost: Pricing, on_event: EventSink | None, notify: Notify, state: StreamState
    ) -> None:
        self.chat, self.model, self.cost = chat, model, cost
        self.on_event: EventSink = on_event or (lambda event: None)
        self.notify = notify
        self.state = state  # shared by the calls of one paused-and-continued turn
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self.ttft_s: float | None = None
        self.request_id: str | None = None

    def run(self, client: Any, request: dict[str, Any]) -> Reply:
        """The complete reply; RequestFailed, StreamFailed or CallInterrupted carry the partial one."""
        import anthropic
        import httpx2

        try:
            return self._succeed(self._stream(client, request))
        except KeyboardInterrupt:
            raise CallInterrupted(self._reply(complete=False, error="interrupted")) from None
        except ClaudeMagicError as error:  # raised before sending, e.g. a replay miss from the transport
            self._raise(error, error.message)
        except anthropic.APIStatusError as error:
            # An `event: error` inside a 200 stream carries status 200, which says nothing useful.
            status = error.status_code if error.status_code != 200 else None
            self._raise(error, describe_api_error(status, _api_message(error), error.request_id))
        except anthropic.APIConnectionError as error:
            self._raise(error, f"Could not reach the API ({error.message}); check the network and re-run the cell.")
        except httpx2.TransportError as error:  # a connection cut mid-body escapes the SDK's iterator unwrapped
            self._raise(error, f"The connection to the API broke ({error}); re-run the cell.")

    def _stream(self, client: Any, request: dict[str, Any]) -> Any:
        with self._open(client, request) as stream:
            self.request_id = stream.request_id
            for sdk_event in stream:
                for event in consume(self.state, sdk_event):
                    self._emit(event)
            return stream.get_final_message()

    def _open(self, client: Any, request: dict[str, Any]) -> Any:
        """`client.messages.stream(...)`, showing each SDK warning (e.g. a deprecated model) once as one line."""
        with _WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            manager = client.messages.stream(**request)
        for warning in caught:
            first_line = str(warning.message).splitlines()[0]
            self.notify(f"sdk:{first_line}", first_line)
        return manager

    def _emit(self, event: Event) -> None:
        if self.ttft_s is None and isinstance(event, TextDelta | ThinkingDelta):
            self.ttft_s = time.perf_counter() - self._t0
        self.on_event(event)

    def _raise(self, error: Exception, message: str) -> Any:
        self.request_id = getattr(error, "request_id", None) or self.request_id
        partial = self._reply(complete=False, error=message)
        started = bool(partial.text or partial.thinking)
        if started:
            message = f"The reply stopped early: {message} The partial text was not added to the chat."
        kind = StreamFailed if started else RequestFailed
        status = getattr(error, "status_code", None)
        raise kind(message, status=status, request_id=self.request_id, partial=partial) from None

    def _succeed(self, final: Any) -> Reply:
        # The stream's own usage wins: the SDK's final message keeps message_start's cache split and iterations.
        self.state.usage = {**as_dict(final.usage), **self.state.usage}
        content = tuple(as_dict(block) for block in final.content)
        return self._reply(content=content, miss_reason=_miss_reason(final))

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
