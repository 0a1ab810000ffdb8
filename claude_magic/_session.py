"""The conversation: settings, named chats and the usage ledger; each ask() is prepare -> send -> commit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._edge.client import Connection
from ._ledger import UsageLedger, append_row, autosave, reply_row
from ._transcripts.session_transcript import SessionTranscript
from .core.budget import PREFLIGHT_TOKENS
from .core.errors import BudgetExceeded, CallInterrupted, ClaudeMagicError
from .core.models import Prices, resolve_prices, resolve_tool_prices
from .core.settings import Settings
from .core.transcript import DEFAULT_CHAT, Exchange, Reply

# A paused turn (a server tool loop hit its iteration limit) is continued at most this many times.
MAX_CONTINUATIONS = 4

if TYPE_CHECKING:
    from ._edge.call import Call, EventSink, StatusSink
    from ._edge.preflight import Estimate
    from ._planning import Prepared, RequestOptions
    from .core.stream import StreamState
    from .core.usage import CallRecord, Usage
    from .tools.mcp import McpServers


# Keys of notices that inform rather than warn: on stdout, since a notebook draws stderr as an error bar.
QUIET_NOTICES = ("simulator", "cache")


class Session:
    """One notebook's connection to Claude, shared by every magic and by `claude_magic.session()`."""

    def __init__(self, settings: Settings | None = None, *, client: Any = None) -> None:
        self.settings = settings or Settings()
        self.transcript = SessionTranscript()
        self.usage = UsageLedger()
        self.connection = Connection(client, notify=self.notify)
        self.autosave: str | None = None
        self.last: Reply | None = None
        self.history_window = 0
        self.budget_usd: float | None = None  # the session's spend cap in USD; None = no cap
        self.preflight_tokens = PREFLIGHT_TOKENS  # count requests estimated above this many input tokens
        self.prices: dict[str, dict[str, float]] = {}  # per model prefix, USD per million tokens
        self.headers: dict[str, str] = {}  # sent with every request; values are never shown or recorded
        self._warned: set[str] = set()
        self._mcp: McpServers | None = None

    # -- what the session started ---------------------------------------------------------

    def use_client(self, client: Any) -> None:
        """Send every later request through `client` (e.g. AnthropicBedrock): the face README and the guide document.

        Everything else about the connection is `session.connection` (`_client.Connection`).
        """
        self.connection.use_client(client)

    @property
    def mcp(self) -> McpServers:
        """The MCP servers cells started (each on first use, reused after, stopped by close())."""
        if self._mcp is None:
            from .tools.mcp import McpServers

            self._mcp = McpServers()
        return self._mcp

    @property
    def mcp_started(self) -> bool:
        """True once a cell has used an MCP server (so listing them imports nothing)."""
        return self._mcp is not None

    def close(self) -> None:
        """Stop the simulator and any MCP server, if started."""
        if self._mcp is not None:
            self._mcp.stop_all()
        self.connection.close()

    # -- settings and notices ------------------------------------------------------------

    def configure(self, **changes: Any) -> Settings:
        """Change the session's default settings; invalid values raise SettingsError."""
        self.settings = self.settings.with_changes(**changes)
        return self.settings

    def prices_for(self, model: str) -> Prices | None:
        """The model's prices after `session.prices` overrides; None when unknown."""
        return resolve_prices(model, self.prices)

    def cost_of(self, model: str, usage: Usage) -> float | None:
        """What `usage` on `model` costs with the overrides: tokens, billed iterations, server tool fees."""
        from .core.usage import cost_usd

        return cost_usd(
            usage, self.prices_for(model), price_of=self.prices_for, tool_prices=resolve_tool_prices(self.prices)
        )

    @property
    def spent(self) -> float:
        """USD the ledger's calls cost so far (calls of unknown cost count as nothing)."""
        return sum(record.cost_usd or 0.0 for record in self.usage.records)

    def spend_line(self) -> str:
        """'spent $0.12', with the budget and what is left when one is set."""
        from .core.budget import spend_line

        return spend_line(self.spent, self.budget_usd)

    def notify(self, key: str, message: str) -> None:
        """Print `message` once per session for each `key`: a notice (QUIET_NOTICES) on stdout, a warning on stderr."""
        if key not in self._warned:
            self._warned.add(key)
            quiet = key.split(":")[0] in QUIET_NOTICES
            print(f"claude_magic: {message}", file=sys.stdout if quiet else sys.stderr)

    def history(self, chat: str = DEFAULT_CHAT, *, keep: bool = True, new: bool = False) -> list[dict[str, Any]]:
        """The messages a request in `chat` sends before its new turn (none for --new or --no-history)."""
        if not keep or new:
            return []
        return self.transcript.chat(chat).messages(self.history_window)

    # -- asking ---------------------------------------------------------------------------

    def ask(self, prompt: str, *, on_event: EventSink | None = None, **options: Any) -> Reply:
        """Send `prompt` (after any `content` blocks) in `chat`, stream the reply, and return it.

        `options` are `RequestOptions` by name (chat, history, new, content, attachments, extra_body,
        headers, ...); every other keyword overrides a setting for this call (model=..., effort=...).
        `attachments` (name, kind, bytes, tokens per entry) are recorded on the exchange; `extra_body`
        fields (from --param) go into the request body unchanged; `headers` are extra HTTP headers for
        this call, on top of `session.headers` (their values are never shown). A bad setting or content that
        breaks an API limit raises before anything is sent. On failure the chat is unchanged, the
        call is still recorded in the ledger, and RequestFailed (StreamFailed once output began) or
        CallInterrupted is raised, carrying the partial reply.
        """
        from ._planning import RequestOptions  # request planning loads with the first request

        prepared = self.prepare(prompt, RequestOptions.of(**options))
        return self.commit(prepared, self.send(prepared, on_event))

    def prepare(self, prompt: str, options: RequestOptions | None = None) -> Prepared:
        """Build, check and cache-plan the request (`_planning.py`); nothing is sent and nothing changes."""
        from ._planning import Basis, RequestOptions, prepare

        basis = Basis(
            self.settings, self.history, self.transcript.chat, self.headers, self.connection.routed, self.notify
        )
        return prepare(prompt, options or RequestOptions(), basis)

    def send(
        self,
        prepared: Prepared,
        on_event: EventSink | None = None,
        on_status: StatusSink | None = None,
        *,
        citation_base: int = 0,
        wrap_client: Callable[[Any], Any] | None = None,
        on_estimate: StatusSink | None = None,
    ) -> Reply:
        """Stream the prepared request, continuing a paused turn; every call goes into the ledger.

        A failure is recorded (ledger, autosave) and re-raised with its partial reply. `on_status`
        hears retries as they happen, e.g. "retrying after 529, attempt 2 of 3". Citations are
        numbered after `citation_base` (the earlier rounds of a tool loop). `wrap_client` adapts the
        SDK client for this call (e.g. `with_options(middleware=...)`, as batches' --sync gate does).
        Each request is priced first (`_edge/preflight.py`): `on_estimate` hears the range of a large or
        capped one, and one that could cross a cap is not sent (BudgetExceeded; a continuation stops
        the turn there).
        """
        from ._planning import continuation, for_platform
        from .core.stream import StreamState

        state, rounds, platform = StreamState(citation_base=citation_base), [], self.connection.routed
        sent = for_platform(platform, prepared.request)  # each round's request, as the platform in use takes it
        _announce(self._priced(prepared, sent), on_estimate)
        for _ in range(MAX_CONTINUATIONS + 1):
            rounds.append(self._call(prepared, sent, state, on_event, on_status, wrap_client))
            if rounds[-1].stop_reason != "pause_turn":
                break
            sent = for_platform(platform, continuation(prepared.request, rounds))
            try:
                _announce(self._priced(prepared, sent), on_estimate)
            except BudgetExceeded as refused:
                if on_status is not None:
                    on_status(f"the paused turn was not continued: {refused.message}")
                break
        return _joined(rounds)

    def estimate(self, prepared: Prepared, request: dict[str, Any] | None = None) -> Estimate | None:
        """The cost range of the prepared request when it is large or capped; BudgetExceeded if it may not be sent."""
        from ._planning import for_platform

        return self._priced(prepared, for_platform(self.connection.routed, request or prepared.request))

    def _priced(self, prepared: Prepared, sent: dict[str, Any]) -> Estimate | None:
        from ._edge.preflight import preflight
        from .core.budget import Budget

        settings = prepared.settings
        return preflight(
            self.connection.api,
            sent,
            self.prices_for(settings.model),
            threshold=self.preflight_tokens,
            budget=Budget(self.budget_usd, prepared.max_cost),
            spent=self.spent,
            cache=settings.cache,
        )

    def _call(
        self,
        prepared: Prepared,
        request: dict[str, Any],
        state: StreamState,
        on_event: EventSink | None,
        on_status: StatusSink | None,
        wrap_client: Callable[[Any], Any] | None = None,
    ) -> Reply:
        from ._edge.call import Call

        model, connection = prepared.settings.model, self.connection
        cost = lambda usage: self.cost_of(model, usage)  # noqa: E731
        policy = connection.policy
        call = Call(prepared.chat.name, model, cost, on_event, self.notify, state, policy, on_status, prepared.headers)
        if connection.routed.cloud:
            call.platform = connection.routed.name
        try:
            reply = call.run(lambda: wrap_client(connection.client) if wrap_client else connection.client, request)
        except (ClaudeMagicError, CallInterrupted) as error:
            self._failed(prepared, call, error)
            raise
        self._record(reply, None, call.replay_key)
        return reply

    def _failed(self, prepared: Prepared, call: Call, error: ClaudeMagicError | CallInterrupted) -> None:
        """A failed call's ledger row (when a partial reply came) and its autosave line."""
        from .core.records import failed_record

        partial = error.partial
        failure = "interrupted" if isinstance(error, CallInterrupted) else str(error.message)
        if partial is not None:
            self.last = partial
            self._record(partial, failure, call.replay_key)
        record = failed_record(prepared.chat.name, prepared.prompt, call.started_at, partial, failure)
        autosave(self.autosave, record, self.notify)

    def commit(self, prepared: Prepared, reply: Reply) -> Reply:
        """Record the complete reply: the ledger, the chat (unless --no-history) and the autosave file."""
        from .core.caching import avoidable_breaks, cache_signature
        from .core.records import EXCHANGE, ONE_SHOT, exchange_record
        from .core.tools import sendable_uses

        self.last = reply
        stored = replace(reply, content=sendable_uses(reply.content))  # NaN in a tool input is kept as null
        exchange = Exchange(
            prepared.prompt, prepared.user_content, stored, reply.started_at or 0.0, prepared.attachments
        )
        chat = prepared.chat
        if prepared.keep:
            if prepared.new:
                chat.exchanges.clear()
            chat.append(exchange)
            signature = cache_signature(prepared.request)
            chat.cache_breaks = tuple(avoidable_breaks(chat.cache_signature, signature)) if not prepared.new else ()
            chat.cache_plan, chat.cache_signature = prepared.plan, signature
            chat.pending_results = ()
        record = exchange_record(exchange, chat.name, EXCHANGE if prepared.keep else ONE_SHOT)
        autosave(self.autosave, record, self.notify)
        return reply

    # -- records -------------------------------------------------------------------------

    def _record(self, reply: Reply, error: str | None, replay_key: str | None) -> None:
        append_row(self.usage, reply_row(reply, error, replay_key, self.prices_for))

    def record_batch(self, record: Callable[[int], CallRecord]) -> CallRecord:
        """Append the ledger row `record(call_number)` builds (a Message Batch's row), numbered under the lock."""
        return append_row(self.usage, record)


def _announce(estimate: Estimate | None, on_estimate: StatusSink | None) -> None:
    if estimate is not None and on_estimate is not None:
        on_estimate(estimate.label())


def _joined(rounds: list[Reply]) -> Reply:
    """One reply for the calls of a continued turn: their content, usage and cost together."""
    from .core.usage import add_usage

    if len(rounds) == 1:
        return rounds[0]
    last, usage, cost = rounds[-1], rounds[0].usage, rounds[0].cost_usd
    for reply in rounds[1:]:
        usage = add_usage(usage, reply.usage)
        cost = None if cost is None or reply.cost_usd is None else cost + reply.cost_usd
    content = tuple(block for reply in rounds for block in reply.content)
    duration = sum(reply.duration_s or 0.0 for reply in rounds)
    first = rounds[0]
    return replace(
        last,
        content=content,
        usage=usage,
        cost_usd=cost,
        rounds=len(rounds),
        duration_s=duration,
        started_at=first.started_at,
        ttft_s=first.ttft_s,
        message_id=first.message_id,
    )
