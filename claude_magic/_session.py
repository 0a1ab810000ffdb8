"""The conversation: settings, named chats and the usage ledger; each ask() is prepare -> send -> commit."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._client import Connection
from ._exportable import SessionTranscript, UsageLedger
from .core.budget import PREFLIGHT_TOKENS
from .core.errors import BudgetExceeded, CallInterrupted, ClaudeMagicError
from .core.models import Prices, lookup, resolve_prices, resolve_tool_prices
from .core.settings import Settings
from .core.transcript import DEFAULT_CHAT, Chat, Exchange, Reply

# A paused turn (a server tool loop hit its iteration limit) is continued at most this many times.
MAX_CONTINUATIONS = 4
UNSENT_HINT = "The chat keeps a note in their place: ask again, `%claude undo` to drop this round, or --new."

if TYPE_CHECKING:
    import anthropic

    from ._call import EventSink, StatusSink
    from ._network import NetworkPolicy
    from ._preflight import Estimate
    from .core.caching import CachePlan
    from .core.models import ModelInfo
    from .core.stream import StreamState
    from .core.usage import CallRecord, Usage
    from .simulator import Simulator
    from .tools.mcp import McpServers


_LEDGER_LOCK = threading.Lock()
# Keys of notices that inform rather than warn: on stdout, since a notebook draws stderr as an error bar.
QUIET_NOTICES = ("simulator", "cache")


@dataclass(frozen=True)
class Prepared:
    """One request, planned and checked, with what committing its reply needs."""

    chat: Chat
    prompt: str
    user_content: tuple[dict[str, Any], ...]
    attachments: tuple[dict[str, Any], ...]
    settings: Settings
    request: dict[str, Any]
    plan: CachePlan
    keep: bool  # False for --no-history: the exchange joins no chat
    new: bool
    unplanned: dict[str, Any] | None = None  # the request before cache breakpoints (a tool loop's next round grows it)
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # extra HTTP headers; values are never shown
    max_cost: float | None = None  # --max-cost: each request's worst case must fit, in USD


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

    # -- the connection ------------------------------------------------------------------

    @property
    def client(self) -> anthropic.Anthropic:
        """The SDK client, created on first use (the simulator's when simulating)."""
        return self.connection.client

    def use_client(self, client: Any) -> None:
        """Send every later request through `client` (e.g. AnthropicBedrock, AnthropicVertex)."""
        self.connection.use_client(client)

    @property
    def simulate(self) -> bool:
        """True when requests go to the built-in simulator instead of the real API."""
        return self.connection.simulate

    @simulate.setter
    def simulate(self, on: bool) -> None:
        self.connection.simulate = on

    @property
    def simulator(self) -> Simulator:
        """The in-process simulator, started on first use."""
        return self.connection.simulator

    @property
    def replay(self) -> str | None:
        return self.connection.replay

    @property
    def replay_mode(self) -> str:
        return self.connection.replay_mode

    def use_replay(self, path: str | None, mode: str = "auto") -> None:
        """Record replies to, or replay them from, `path` (None turns it off); see claude_magic.replay."""
        self.connection.use_replay(path, mode)

    def configure_network(self, **changes: Any) -> NetworkPolicy:
        """Change timeout, max_retries, retry_on_timeout or max_retry_wait; invalid values raise SettingsError."""
        self.connection.policy = self.connection.policy.with_changes(**changes)
        return self.connection.policy

    def models(self) -> list[ModelInfo]:
        """The models the API lists (the registry when it cannot be reached)."""
        return self.connection.models()

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
        headers: dict[str, str] | None = None,
        **overrides: Any,
    ) -> Reply:
        """Send `prompt` (after any `content` blocks) in `chat`, stream the reply, and return it.

        `attachments` (name, kind, bytes, tokens per entry) are recorded on the exchange; `extra_body`
        fields (from --param) go into the request body unchanged; `headers` are extra HTTP headers for
        this call, on top of `session.headers` (their values are never shown). A bad setting or content that
        breaks an API limit raises before anything is sent. On failure the chat is unchanged, the
        call is still recorded in the ledger, and RequestFailed (StreamFailed once output began) or
        CallInterrupted is raised, carrying the partial reply.
        """
        prepared = self.prepare(
            prompt,
            chat=chat,
            history=history,
            new=new,
            content=content,
            attachments=attachments,
            extra_body=extra_body,
            overrides=overrides,
            headers=headers,
        )
        return self.commit(prepared, self.send(prepared, on_event))

    def prepare(
        self,
        prompt: str,
        *,
        chat: str = DEFAULT_CHAT,
        history: bool = True,
        new: bool = False,
        content: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        extra_body: dict[str, Any] | None = None,
        overrides: dict[str, Any] | None = None,
        tools: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        max_cost: float | None = None,
    ) -> Prepared:
        """Build, check and cache-plan the request; nothing is sent and nothing changes.

        `tools` are the API's tool definitions; `body` adds request fields claude_magic builds
        elsewhere (tool_choice, output_config.format), merged into what the settings build.
        `headers` are this request's extra HTTP headers, on top of `session.headers`.
        `max_cost` caps what each of the cell's requests may cost at worst (USD).
        """
        # Imported on first use, not at module top: %load_ext stays cheap (benchmarks/load_ext.py).
        from .core.content import check_request_content
        from .core.history import pending_results, without_unfinished_executions
        from .core.request import build_request, merge_body, text_block
        from .core.settings import check_headers

        settings = self.settings.with_changes(**overrides) if overrides else self.settings
        self._warn_unknown_model(settings.model)
        # A new prompt may not join the tool_results a pending code execution waits for: that execution is left out.
        past = without_unfinished_executions(self.history(chat, keep=history, new=new))
        conversation = self.transcript.chat(chat)
        # A reply that asked for tools must be answered first: with what a stopped loop ran, else "not run".
        answers = pending_results(past, conversation.pending_results if history and not new else ())
        user_content = [*answers, *(content or []), text_block(prompt)]
        request = merge_body(build_request(settings, past, user_content, tools), body or {})
        check_request_content(request["messages"], lookup(settings.model))
        self._check_platform(settings.model, request)
        if extra_body:
            request["extra_body"] = extra_body  # the SDK merges these fields into the body unchanged
        planned, plan = self._plan_cache(conversation if history else None, settings, request, continuing=bool(past))
        return Prepared(
            conversation,
            prompt,
            tuple(user_content),
            tuple(attachments or ()),
            settings,
            planned,
            plan,
            history,
            new,
            request,
            {**check_headers(self.headers), **check_headers(headers or {})},
            max_cost,
        )

    def follow_up(self, prepared: Prepared, reply: Reply, results: list[dict[str, Any]]) -> Prepared:
        """The next round of a tool loop: the same request plus the reply and the tool results that answer it."""
        from .core.history import sendable_assistant_content

        base = prepared.unplanned or prepared.request
        turn = [
            {"role": "assistant", "content": sendable_assistant_content(reply.content)},
            {"role": "user", "content": list(results)},
        ]
        request = _answering(base, reply, {**base, "messages": [*base["messages"], *turn]})
        self._check_follow_up(prepared, request, results)
        planned, plan = _planned(prepared.settings, request, prepared.plan)
        if "diagnostics" in prepared.request:
            planned["diagnostics"] = {"previous_message_id": reply.message_id or None}
        return replace(
            prepared,
            prompt="",
            user_content=tuple(results),
            attachments=(),
            request=planned,
            plan=plan,
            new=False,
            unplanned=request,
        )

    def _check_follow_up(self, prepared: Prepared, request: dict[str, Any], results: list[dict[str, Any]]) -> None:
        """The API's size and model limits, as a first request is checked; results that break them are never sent.

        The chat keeps a note in their place, so its next turn can be sent; the line says how to go on.
        """
        from .core.content import check_request_content
        from .core.errors import continue_hint
        from .core.history import unsent_results

        try:
            check_request_content(request["messages"], lookup(prepared.settings.model))
            self._check_platform(prepared.settings.model, request)
        except ClaudeMagicError as error:
            if prepared.keep:
                prepared.chat.pending_results = tuple(unsent_results(results, error.message))
            raise type(error)(continue_hint(f"the tool results were not sent: {error.message}", UNSENT_HINT)) from None

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
        Each request is priced first (`_preflight.py`): `on_estimate` hears the range of a large or
        capped one, and one that could cross a cap is not sent (BudgetExceeded; a continuation stops
        the turn there).
        """
        from .core.stream import StreamState

        state, request, rounds = StreamState(citation_base=citation_base), prepared.request, []
        self._announce(self.estimate(prepared, request), on_estimate)
        for _ in range(MAX_CONTINUATIONS + 1):
            rounds.append(self._call(prepared, request, state, on_event, on_status, wrap_client))
            if rounds[-1].stop_reason != "pause_turn":
                break
            request = _continuation(prepared.request, rounds)
            try:
                self._announce(self.estimate(prepared, request), on_estimate)
            except BudgetExceeded as refused:
                if on_status is not None:
                    on_status(f"the paused turn was not continued: {refused.message}")
                break
        return _joined(rounds)

    def estimate(self, prepared: Prepared, request: dict[str, Any] | None = None) -> Estimate | None:
        """The cost range of the prepared request when it is large or capped; BudgetExceeded if it may not be sent."""
        from ._preflight import preflight
        from .core.budget import Budget

        settings = prepared.settings
        return preflight(
            self.connection.api,
            self._on_platform(request or prepared.request),
            self.prices_for(settings.model),
            threshold=self.preflight_tokens,
            budget=Budget(self.budget_usd, prepared.max_cost),
            spent=self.spent,
            cache=settings.cache,
        )

    @staticmethod
    def _announce(estimate: Estimate | None, on_estimate: StatusSink | None) -> None:
        if estimate is not None and on_estimate is not None:
            on_estimate(estimate.label())

    def _call(
        self,
        prepared: Prepared,
        request: dict[str, Any],
        state: StreamState,
        on_event: EventSink | None,
        on_status: StatusSink | None,
        wrap_client: Callable[[Any], Any] | None = None,
    ) -> Reply:
        from ._call import Call

        model = prepared.settings.model
        cost = lambda usage: self.cost_of(model, usage)  # noqa: E731
        policy = self.connection.policy
        call = Call(prepared.chat.name, model, cost, on_event, self.notify, state, policy, on_status, prepared.headers)
        if self.connection.routed.cloud:
            call.platform = self.connection.routed.name
        request = self._on_platform(request)
        try:
            reply = call.run(lambda: wrap_client(self.client) if wrap_client else self.client, request)
        except (ClaudeMagicError, CallInterrupted) as error:
            partial = error.partial
            failure = "interrupted" if isinstance(error, CallInterrupted) else str(error.message)
            if partial is not None:
                self.last = partial
                self._record(partial, failure, call.replay_key)
            self._autosave_failure(prepared, call.started_at, partial, failure)
            raise
        self._record(reply, None, call.replay_key)
        return reply

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
        self._autosave(exchange_record(exchange, chat.name, EXCHANGE if prepared.keep else ONE_SHOT))
        return reply

    # -- records -------------------------------------------------------------------------

    def _record(self, reply: Reply, error: str | None, replay_key: str | None) -> None:
        with _LEDGER_LOCK:  # numbering and appending must not interleave between threads
            self._record_locked(reply, error, replay_key)

    def _record_locked(self, reply: Reply, error: str | None, replay_key: str | None) -> None:
        from .core.usage import CallRecord, cost_without_cache_usd

        prices = self.prices_for(reply.model)
        self.usage.append(
            CallRecord(
                call=self.usage.next_call_number(),
                chat=reply.chat,
                model=reply.model,
                started_at=reply.started_at or 0.0,
                ttft_s=reply.ttft_s,
                duration_s=reply.duration_s or 0.0,
                usage=reply.usage,
                cost_usd=reply.cost_usd,
                cost_without_cache_usd=cost_without_cache_usd(reply.usage, prices, price_of=self.prices_for),
                stop_reason=reply.stop_reason,
                request_id=reply.request_id,
                message_id=reply.message_id or None,
                error=error,
                cache_miss_reason=reply.cache_miss_reason,
                refusal=reply.refusal or None,
                replay_key=replay_key,
            )
        )

    def record_batch(self, record: Callable[[int], CallRecord]) -> CallRecord:
        """Append the ledger row `record(call_number)` builds (a Message Batch's row), numbered under the lock."""
        with _LEDGER_LOCK:
            row = record(self.usage.next_call_number())
            self.usage.append(row)
        return row

    def plan_shared_prefix(self, settings: Settings, request: dict[str, Any]) -> dict[str, Any]:
        """`request` (the part many requests share) with cache breakpoints, as a chat's first turn plans them."""
        return _planned(settings, request, None)[0]

    def _autosave_failure(self, prepared: Prepared, started_at: float, partial: Reply | None, failure: str) -> None:
        from .core.records import failed_record

        self._autosave(failed_record(prepared.chat.name, prepared.prompt, started_at, partial, failure))

    def _autosave(self, record: dict[str, Any]) -> None:
        """Append `record` to the autosave file, if one is set; a write failure warns and never fails the cell."""
        if not self.autosave:
            return
        from .transcript_io import append_record

        try:
            append_record(self.autosave, record)
        except (OSError, ValueError) as error:  # ValueError: text JSON cannot encode, e.g. a lone surrogate
            self.notify(f"autosave:{error}", f"autosave to {self.autosave} failed: {error}")

    # -- prompt caching ------------------------------------------------------------------

    def _plan_cache(
        self, chat: Chat | None, settings: Settings, request: dict[str, Any], *, continuing: bool
    ) -> tuple[dict[str, Any], CachePlan]:
        """Place cache breakpoints; `continuing` is False on a chat's first turn (or a --new one)."""
        previous = chat.cache_plan if chat and continuing else None
        if chat and continuing and settings.cache != "off":
            self._warn_cache_breaks(chat, request)
        planned, plan = _planned(settings, request, previous)
        if chat:
            planned["diagnostics"] = {"previous_message_id": chat.last_message_id if continuing else None}
        return planned, plan

    def _warn_cache_breaks(self, chat: Chat, request: dict[str, Any]) -> None:
        from .core.caching import avoidable_breaks, cache_signature

        for reason in avoidable_breaks(chat.cache_signature, cache_signature(request)):
            self.notify(
                f"cache:{reason}",
                f"this cell invalidates the prompt cache of chat {chat.name!r} ({reason}); "
                "keep it unchanged mid-chat, or start a new chat with --new or --chat NAME",
            )

    def _on_platform(self, request: dict[str, Any]) -> dict[str, Any]:
        """The request as the cloud platform in use takes it: its own model id (unchanged on the Claude API)."""
        platform = self.connection.routed
        if not platform.cloud:
            return request
        from .core.platform_models import platform_model_id

        return {**request, "model": platform_model_id(platform.name, request["model"], platform.aws_region)}

    def _check_platform(self, model: str, request: dict[str, Any]) -> None:
        """What the cloud platform in use refuses (its model ids, sources, image sizes, server tools); one line."""
        platform = self.connection.routed
        if platform.cloud:
            from .core.platform_models import platform_model_id
            from .core.platforms import check_request

            platform_model_id(platform.name, model, platform.aws_region)
            check_request(platform.name, request)

    def platform_ids(self) -> dict[str, str]:
        """Claude API id -> the platform's model id, for the cloud platform in use (empty on the Claude API)."""
        from .core.platform_models import listed_ids

        platform = self.connection.routed
        return listed_ids(platform.name, platform.aws_region) if platform.cloud else {}

    def _warn_unknown_model(self, model: str) -> None:
        if lookup(model) is None:
            self.notify(f"model:{model}", f"unknown model {model!r}: it will be sent as is, and its cost is unknown")


def _planned(
    settings: Settings, request: dict[str, Any], previous: CachePlan | None
) -> tuple[dict[str, Any], CachePlan]:
    """The request with its cache breakpoints, planned from the previous request's plan of the same chat."""
    from .core.caching import plan_cache

    info = lookup(settings.model)
    return plan_cache(
        request, min_tokens=info.min_cache_tokens if info else 1024, policy=settings.cache, previous=previous
    )


def _answering(base: dict[str, Any], reply: Reply, request: dict[str, Any]) -> dict[str, Any]:
    """`request` (answering `reply`'s tool uses) naming the container while the reply's code execution waits."""
    from .core.history import awaits_execution
    from .core.request import with_container

    if not awaits_execution(reply.content):
        return with_container(request, None)
    return with_container(request, (reply.container or {}).get("id") or base.get("container"))


def _continuation(request: dict[str, Any], rounds: list[Reply]) -> dict[str, Any]:
    """The request that continues a paused turn: the same request with the turn so far as the last message."""
    content = [block for reply in rounds for block in reply.content]
    return {**request, "messages": [*request["messages"], {"role": "assistant", "content": content}]}


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
