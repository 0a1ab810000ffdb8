"""The shared session: settings, the lazily created SDK client, named chats and the usage ledger.

This is the only module that talks to the network. The SDK does SSE parsing, retries, backoff
and timeouts; nothing here re-implements them.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .core.errors import ClaudeMagicError, MissingKeyError, RequestFailed, StreamFailed, describe_api_error
from .core.events import Event, TextDelta, ThinkingDelta
from .core.models import Prices, lookup, resolve_prices
from .core.request import build_request, text_block
from .core.settings import Settings
from .core.stream import StreamState, as_dict, consume
from .core.transcript import DEFAULT_CHAT, Exchange, Reply, Transcript
from .core.usage import CallRecord, Ledger, Usage, cost_usd, cost_without_cache_usd, usage_from_api

if TYPE_CHECKING:
    from pathlib import Path

    import anthropic
    import matplotlib.figure
    import pandas

    from .core.caching import CachePlan
    from .simulator import Simulator

SIMULATE_ENV = "CLAUDE_MAGIC_SIMULATE"
SIMULATED_KEY = "sk-simulated"
REPLAY_ENV = "CLAUDE_MAGIC_REPLAY"
REPLAY_MODE_ENV = "CLAUDE_MAGIC_REPLAY_MODE"

EventSink = Callable[[Event], None]


class UsageLedger(Ledger):
    """The per-call ledger, exportable to pandas."""

    def to_dataframe(self) -> pandas.DataFrame:
        from .export import usage_frame

        return usage_frame(self)

    def plot(self) -> matplotlib.figure.Figure:
        """The cache and cost dashboard as a static matplotlib Figure."""
        from .ui.dashboard import dashboard_figure, show_figures_inline

        show_figures_inline()
        return dashboard_figure(self)


class SessionTranscript(Transcript):
    """The session's chats, exportable to pandas, JSON Lines, JSON, Markdown, CSV and Parquet, and reloadable."""

    def to_dataframe(self, chat: str | None = None) -> pandas.DataFrame:
        """One row per message; `chat=None` means every chat."""
        from .export import transcript_frame

        return transcript_frame(self, chat)

    def to_json(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write JSON Lines, lossless: enough to rebuild the exact request history."""
        from .transcript_io import write_jsonl

        return write_jsonl(self, path, chat)

    def to_markdown(self, chat: str | None = None) -> str:
        from .core.records import transcript_markdown

        return transcript_markdown(self, chat)

    def export(self, path: str | os.PathLike[str], chat: str | None = None) -> Path:
        """Write in the format named by the extension: .jsonl, .json, .md, .csv or .parquet."""
        from .transcript_io import export

        return export(self, path, chat)

    def load(self, path: str | os.PathLike[str]) -> list[str]:
        """Restore chats from JSON Lines (replacing chats of the same name); returns their names."""
        from .transcript_io import read_exchanges, restore

        return restore(self, read_exchanges(path))


class Session:
    """One notebook's connection to Claude, shared by every magic and by `claude_magic.session()`."""

    def __init__(self, settings: Settings | None = None, *, client: Any = None) -> None:
        self.settings = settings or Settings()
        self.transcript = SessionTranscript()
        self.autosave: str | None = None
        self.replay: str | None = os.environ.get(REPLAY_ENV) or None
        self.replay_mode = os.environ.get(REPLAY_MODE_ENV) or "auto"
        self.usage = UsageLedger()
        self.last: Reply | None = None
        self.history_window = 0
        self._client = client
        self._client_injected = client is not None
        self._simulate = os.environ.get(SIMULATE_ENV, "") not in ("", "0", "false")
        self._simulator: Simulator | None = None
        self._warned: set[str] = set()
        self.prices: dict[str, dict[str, float]] = {}  # per model prefix, USD per million tokens
        self._cache_plans: dict[str, CachePlan] = {}
        self._cache_signatures: dict[str, dict[str, Any]] = {}

    # -- client -------------------------------------------------------------------------

    @property
    def client(self) -> anthropic.Anthropic:
        """The SDK client, created on first use (the simulator's when simulating)."""
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def use_client(self, client: Any) -> None:
        """Send every later request through `client` (e.g. AnthropicBedrock, AnthropicVertex)."""
        self._client, self._client_injected = client, True

    @property
    def simulate(self) -> bool:
        """True when requests go to the built-in simulator instead of the real API."""
        return self._simulate

    @simulate.setter
    def simulate(self, on: bool) -> None:
        if bool(on) != self._simulate:
            self._simulate = bool(on)
            self._rebuild_default_client()

    @property
    def simulator(self) -> Simulator:
        """The in-process simulator, started on first use."""
        if self._simulator is None:
            from .simulator import Simulator

            self._simulator = Simulator().start()
        return self._simulator

    def use_replay(self, path: str | None, mode: str = "auto") -> None:
        """Record replies to, or replay them from, `path` (None turns it off); see claude_magic.replay."""
        if (path, mode) != (self.replay, self.replay_mode):
            self.replay, self.replay_mode = path, mode
            self._rebuild_default_client()

    def _rebuild_default_client(self) -> None:
        """Drop the client we made, so the next request builds one for the new mode; an injected one stays."""
        if not self._client_injected:
            self._client = None

    def _replay_options(self) -> dict[str, Any]:
        if not self.replay:
            return {}
        from .replay import client_options

        return client_options(self.replay, self.replay_mode)

    def _make_client(self) -> anthropic.Anthropic:
        import anthropic

        extra = self._replay_options()
        if "base_url" in extra:
            return anthropic.Anthropic(**extra)
        if self._simulate:
            self.notify("simulator", "using the built-in simulator: replies are simulated, no model is called")
            return anthropic.Anthropic(api_key=SIMULATED_KEY, base_url=self.simulator.url, **extra)
        try:
            client = anthropic.Anthropic(**extra)
        except anthropic.CredentialsError as error:
            raise RequestFailed(
                f"Could not load Anthropic credentials: {error}. Set ANTHROPIC_API_KEY instead."
            ) from None
        if client.api_key is None and client.auth_token is None and getattr(client, "_token_cache", None) is None:
            raise MissingKeyError()
        return client

    def close(self) -> None:
        """Stop the simulator, if one was started."""
        if self._simulator is not None:
            self._simulator.stop()
            self._simulator = None

    # -- settings -----------------------------------------------------------------------

    def configure(self, **changes: Any) -> Settings:
        """Change the session's default settings; invalid values raise SettingsError."""
        self.settings = self.settings.with_changes(**changes)
        return self.settings

    def notify(self, key: str, message: str) -> None:
        """Print `message` to stderr once per session for each `key`."""
        if key not in self._warned:
            self._warned.add(key)
            print(f"claude_magic: {message}", file=sys.stderr)

    # -- asking -------------------------------------------------------------------------

    def ask(
        self,
        prompt: str,
        *,
        chat: str = DEFAULT_CHAT,
        history: bool = True,
        new: bool = False,
        content: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        on_event: EventSink | None = None,
        extra_body: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> Reply:
        """Send `prompt` (after any `content` blocks) in `chat`, stream the reply, and return it.

        `attachments` (name, kind, bytes, tokens per entry) are recorded on the exchange. Content
        that breaks an API limit raises AttachmentError before anything is sent.

        On failure the chat is unchanged, the call is still recorded in the ledger, and
        RequestFailed (or StreamFailed after output began) is raised. `extra_body` fields (from
        --param) go into the request body unchanged. KeyboardInterrupt closes
        the stream, leaves the partial reply in `session.last`, and propagates.
        """
        # Imported on first use, not at module top: %load_ext stays cheap (benchmarks/load_ext.py).
        from .core.content import check_request_content
        from .core.records import EXCHANGE, ONE_SHOT, exchange_record, failed_record

        settings = self.settings.with_changes(**overrides) if overrides else self.settings
        self._warn_unknown_model(settings.model)
        conversation = self.transcript.chat(chat)
        user_content = [*(content or []), text_block(prompt)]
        past = conversation.messages(self.history_window) if history and not new else []
        request = build_request(settings, past, user_content)
        check_request_content(request["messages"], lookup(settings.model))
        if extra_body:
            request["extra_body"] = extra_body  # the SDK merges these fields into the body unchanged
        planned, plan = self._plan_cache(chat if history else None, settings, request, continuing=bool(past))
        call = _Call(self, chat, settings.model, on_event)
        try:
            reply = call.run(self.client, planned)
        except BaseException as error:
            self._autosave(failed_record(chat, prompt, call.started_at, self.last, _failure(error)))
            raise
        exchange = Exchange(prompt, tuple(user_content), reply, call.started_at, tuple(attachments or ()))
        if history:
            if new:
                conversation.exchanges.clear()
            conversation.append(exchange)
            self._remember_cache(chat, plan, request)
        self._autosave(exchange_record(exchange, chat, EXCHANGE if history else ONE_SHOT))
        return reply

    def _autosave(self, record: dict[str, Any]) -> None:
        """Append `record` to the autosave file, if one is set; a write failure warns and never fails the cell."""
        if not self.autosave:
            return
        from .transcript_io import append_record

        try:
            append_record(self.autosave, record)
        except OSError as error:
            self.notify(f"autosave:{error}", f"autosave to {self.autosave} failed: {error}")

    def prices_for(self, model: str) -> Prices | None:
        """The model's prices after `session.prices` overrides; None when unknown."""
        return resolve_prices(model, self.prices)

    # -- prompt caching -----------------------------------------------------------------

    def _plan_cache(
        self, chat: str | None, settings: Settings, request: dict[str, Any], *, continuing: bool
    ) -> tuple[dict[str, Any], CachePlan]:
        """Place cache breakpoints; `continuing` is False on a chat's first turn (or a --new one)."""
        from .core.caching import plan_cache

        info = lookup(settings.model)
        previous = self._cache_plans.get(chat) if chat and continuing else None
        if chat and continuing and settings.cache != "off":
            self._warn_cache_breaks(chat, request)
        planned, plan = plan_cache(
            request, min_tokens=info.min_cache_tokens if info else 1024, policy=settings.cache, previous=previous
        )
        if chat:
            previous_id = self._previous_message_id(chat) if continuing else None
            planned["diagnostics"] = {"previous_message_id": previous_id}
        return planned, plan

    def _warn_cache_breaks(self, chat: str, request: dict[str, Any]) -> None:
        from .core.caching import avoidable_breaks, cache_signature

        for reason in avoidable_breaks(self._cache_signatures.get(chat), cache_signature(request)):
            self.notify(
                f"cache:{reason}",
                f"this cell invalidates the prompt cache of chat {chat!r} ({reason}); "
                "keep it unchanged mid-chat, or start a new chat with --new or --chat NAME",
            )

    def _previous_message_id(self, chat: str) -> str | None:
        """The last reply's id in `chat`, derived from the chat so it survives transcript.load()."""
        exchanges = self.transcript.chat(chat).exchanges
        return (exchanges[-1].reply.message_id or None) if exchanges else None

    def _remember_cache(self, chat: str, plan: CachePlan, request: dict[str, Any]) -> None:
        from .core.caching import cache_signature

        self._cache_plans[chat] = plan
        self._cache_signatures[chat] = cache_signature(request)

    def _warn_unknown_model(self, model: str) -> None:
        if lookup(model) is None:
            self.notify(f"model:{model}", f"unknown model {model!r}: it will be sent as is, and its cost is unknown")


class _Call:
    """One streamed API call: timing, event fan-out, and the ledger record either way."""

    def __init__(self, session: Session, chat: str, model: str, on_event: EventSink | None) -> None:
        self.session, self.chat, self.model = session, chat, model
        self.on_event = on_event or (lambda event: None)
        self.state = StreamState()
        self.started_at = time.time()
        self._t0 = time.perf_counter()
        self.ttft_s: float | None = None
        self.request_id: str | None = None
        self.cache_miss_reason: str | None = None

    def run(self, client: Any, request: dict[str, Any]) -> Reply:
        import anthropic
        import httpx2

        try:
            final = self._stream(client, request)
        except KeyboardInterrupt:
            self._fail("interrupted")
            raise
        except ClaudeMagicError as error:
            # Raised before sending, e.g. a replay miss from the transport.
            self._fail(error.message)
            raise
        except anthropic.APIStatusError as error:
            # An `event: error` inside a 200 stream carries status 200, which says nothing useful.
            status = error.status_code if error.status_code != 200 else None
            self._raise(error, describe_api_error(status, _api_message(error), error.request_id))
        except anthropic.APIConnectionError as error:
            self._raise(error, f"Could not reach the API ({error.message}); check the network and re-run the cell.")
        except httpx2.TransportError as error:
            # A connection cut mid-body escapes the SDK's stream iterator unwrapped.
            self._raise(error, f"The connection to the API broke ({error}); re-run the cell.")
        return self._succeed(final)

    def _stream(self, client: Any, request: dict[str, Any]) -> Any:
        with _sdk_warnings_once(self.session), client.messages.stream(**request) as stream:
            self.request_id = stream.request_id
            for sdk_event in stream:
                for event in consume(self.state, sdk_event):
                    self._emit(event)
            return stream.get_final_message()

    def _emit(self, event: Event) -> None:
        if self.ttft_s is None and isinstance(event, TextDelta | ThinkingDelta):
            self.ttft_s = time.perf_counter() - self._t0
        self.on_event(event)

    def _raise(self, error: Exception, message: str) -> None:
        self.request_id = getattr(error, "request_id", None) or self.request_id
        reply = self._fail(message)
        started = bool(reply.text or reply.thinking)
        if started:
            message = f"The reply stopped early: {message} The partial text was not added to the chat."
        kind = StreamFailed if started else RequestFailed
        raise kind(message, status=getattr(error, "status_code", None), request_id=self.request_id) from None

    def _fail(self, error: str) -> Reply:
        reply = self._reply(complete=False, error=error)
        self.session.last = reply
        self._record(reply, error)
        return reply

    def _succeed(self, final: Any) -> Reply:
        content = tuple(as_dict(block) for block in final.content)
        self.state.usage = as_dict(final.usage)
        self.cache_miss_reason = _miss_reason(final)
        reply = self._reply(content=content)
        self.session.last = reply
        self._record(reply, None)
        return reply

    def _reply(
        self, *, content: tuple[dict[str, Any], ...] = (), complete: bool = True, error: str | None = None
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
            cost_usd=self._cost(usage),
            complete=complete,
            error=error,
            chat=self.chat,
            ttft_s=self.ttft_s,
            duration_s=time.perf_counter() - self._t0,
        )

    def _cost(self, usage: Usage) -> float | None:
        return cost_usd(usage, self.session.prices_for(self.model))

    def _record(self, reply: Reply, error: str | None) -> None:
        ledger = self.session.usage
        ledger.append(
            CallRecord(
                call=ledger.next_call_number(),
                chat=self.chat,
                model=reply.model,
                started_at=self.started_at,
                ttft_s=self.ttft_s,
                duration_s=time.perf_counter() - self._t0,
                usage=reply.usage,
                cost_usd=reply.cost_usd,
                cost_without_cache_usd=cost_without_cache_usd(reply.usage, self.session.prices_for(self.model)),
                stop_reason=reply.stop_reason,
                request_id=self.request_id,
                message_id=reply.message_id or None,
                error=error,
                cache_miss_reason=self.cache_miss_reason,
            )
        )


def _failure(error: BaseException) -> str:
    """How a call ended, for the autosave log."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return str(getattr(error, "message", None) or error) or type(error).__name__


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


@contextmanager
def _sdk_warnings_once(session: Session) -> Iterator[None]:
    """Show each SDK deprecation warning once per session as one line, not on every cell."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        first_line = str(warning.message).splitlines()[0]
        session.notify(f"sdk:{first_line}", first_line)
