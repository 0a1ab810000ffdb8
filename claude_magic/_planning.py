"""Request planning: a cell's request built, checked against the API's and the platform's limits, and cache-planned.

Nothing here sends anything or changes a chat, except that results the limits refuse are kept on the
chat as a note (`follow_up`). The session gives what it holds (`Basis`); the functions are pure otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

from .core.errors import ClaudeMagicError
from .core.models import lookup
from .core.settings import Settings
from .core.transcript import DEFAULT_CHAT, Chat, Reply

if TYPE_CHECKING:
    from .core.caching import CachePlan
    from .core.models import ModelInfo
    from .core.platforms import PlatformConfig

UNSENT_HINT = "The chat keeps a note in their place: ask again, `%claude undo` to drop this round, or --new."
Notify = Callable[[str, str], None]


class History(Protocol):
    def __call__(self, chat: str, *, keep: bool, new: bool) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class RequestOptions:
    """What one request asks for besides its prompt: which chat, extra content, settings overrides, tools.

    `overrides` are Settings fields (model, effort, ...); `extra_body` fields (--param) go into the body
    unchanged; `body` adds fields claude_magic builds elsewhere (tool_choice, output_config.format);
    `headers` are this request's extra HTTP headers; `max_cost` caps each request's worst case in USD.
    """

    chat: str = DEFAULT_CHAT
    history: bool = True  # False for --no-history: the exchange joins no chat
    new: bool = False
    content: Sequence[dict[str, Any]] | None = None
    attachments: Sequence[dict[str, Any]] | None = None  # name, kind, bytes, tokens per entry: recorded on the exchange
    extra_body: Mapping[str, Any] | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    tools: Sequence[dict[str, Any]] | None = None
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] | None = None
    max_cost: float | None = None

    @classmethod
    def of(cls, **options: Any) -> RequestOptions:
        """The options named by keyword; every other keyword is a settings override (model=..., effort=...)."""
        names = {f.name for f in fields(cls)} - {"overrides"}
        given = {name: value for name, value in options.items() if name in names}
        return cls(**given, overrides={k: v for k, v in options.items() if k not in names})

    @property
    def continues(self) -> bool:
        """True when the request carries on its chat (neither --new nor --no-history)."""
        return self.history and not self.new


@dataclass(frozen=True)
class Basis:
    """What the session holds that one request is planned from."""

    settings: Settings
    history: History  # the messages a request in a chat sends before its new turn
    chat: Callable[[str], Chat]  # the chat of that name, created empty on first use
    headers: Mapping[str, str]  # the session's own, sent with every request
    platform: PlatformConfig  # where requests really go
    notify: Notify


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


def prepare(prompt: str, options: RequestOptions, basis: Basis) -> Prepared:
    """Build, check and cache-plan the request; nothing is sent and nothing changes."""
    from .core.history import without_unfinished_executions
    from .core.settings import check_headers

    settings = basis.settings.with_changes(**options.overrides) if options.overrides else basis.settings
    info = _model_info(settings.model, basis.notify)
    # A new prompt may not join the tool_results a pending code execution waits for: that execution is left out.
    past = without_unfinished_executions(basis.history(options.chat, keep=options.history, new=options.new))
    chat = basis.chat(options.chat)
    user_content, request = _built(prompt, options, settings, past, chat)
    check(request, settings.model, info, basis.platform)
    if options.extra_body:
        request["extra_body"] = dict(options.extra_body)  # the SDK merges these fields into the body unchanged
    cached = chat if options.history else None
    planned, plan = _plan_cache(cached, settings, info, request, continuing=bool(past), notify=basis.notify)
    headers = {**check_headers(dict(basis.headers)), **check_headers(dict(options.headers or {}))}
    return Prepared(
        chat,
        prompt,
        tuple(user_content),
        tuple(options.attachments or ()),
        settings,
        planned,
        plan,
        options.history,
        options.new,
        request,
        headers,
        options.max_cost,
    )


def _model_info(model: str, notify: Notify) -> ModelInfo | None:
    """The registry's entry for `model`; an unknown one is sent as is, with a notice once."""
    info = lookup(model)
    if info is None:
        notify(f"model:{model}", f"unknown model {model!r}: it will be sent as is, and its cost is unknown")
    return info


def _built(
    prompt: str, options: RequestOptions, settings: Settings, past: list[dict[str, Any]], chat: Chat
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The new turn's content and the request before its checks and cache breakpoints."""
    # Imported on first use, not at module top: %load_ext stays cheap (benchmarks/load_ext.py).
    from .core.history import pending_results
    from .core.request import build_request, merge_body, text_block

    # A reply that asked for tools must be answered first: with what a stopped loop ran, else "not run".
    answers = pending_results(past, chat.pending_results if options.continues else ())
    user_content = [*answers, *(options.content or ()), text_block(prompt)]
    tools = list(options.tools) if options.tools is not None else None
    return user_content, merge_body(build_request(settings, past, user_content, tools), dict(options.body or {}))


def check(request: dict[str, Any], model: str, info: ModelInfo | None, platform: PlatformConfig) -> None:
    """The API's size and model limits, and what the cloud platform in use refuses; one line each."""
    from .core.content import check_request_content

    check_request_content(request["messages"], info)
    if platform.cloud:
        from .core.platform_models import platform_model_id
        from .core.platforms import check_request

        platform_model_id(platform.name, model, platform.aws_region)
        check_request(platform.name, request)


def follow_up(prepared: Prepared, reply: Reply, results: list[dict[str, Any]], platform: PlatformConfig) -> Prepared:
    """The next round of a tool loop: the same request plus the reply and the tool results that answer it."""
    from .core.history import sendable_assistant_content

    base = prepared.unplanned or prepared.request
    turn = [
        {"role": "assistant", "content": sendable_assistant_content(reply.content)},
        {"role": "user", "content": list(results)},
    ]
    request = _answering(base, reply, {**base, "messages": [*base["messages"], *turn]})
    _check_follow_up(prepared, request, results, platform)
    planned, plan = _planned(lookup(prepared.settings.model), prepared.settings, request, prepared.plan)
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


def _check_follow_up(
    prepared: Prepared, request: dict[str, Any], results: list[dict[str, Any]], platform: PlatformConfig
) -> None:
    """The limits a first request is checked against; results that break them are never sent.

    The chat keeps a note in their place, so its next turn can be sent; the line says how to go on.
    """
    from .core.errors import continue_hint
    from .core.history import unsent_results

    model = prepared.settings.model
    try:
        check(request, model, lookup(model), platform)
    except ClaudeMagicError as error:
        if prepared.keep:
            prepared.chat.pending_results = tuple(unsent_results(results, error.message))
        raise type(error)(continue_hint(f"the tool results were not sent: {error.message}", UNSENT_HINT)) from None


def shared_prefix(settings: Settings, request: dict[str, Any]) -> dict[str, Any]:
    """`request` (the part many requests share) with cache breakpoints, as a chat's first turn plans them."""
    return _planned(lookup(settings.model), settings, request, None)[0]


def for_platform(platform: PlatformConfig, request: dict[str, Any]) -> dict[str, Any]:
    """The request as the cloud platform in use takes it: its own model id (unchanged on the Claude API)."""
    if not platform.cloud:
        return request
    from .core.platform_models import platform_model_id

    return {**request, "model": platform_model_id(platform.name, request["model"], platform.aws_region)}


def continuation(request: dict[str, Any], rounds: list[Reply]) -> dict[str, Any]:
    """The request that continues a paused turn: the same request with the turn so far as the last message."""
    content = [block for reply in rounds for block in reply.content]
    return {**request, "messages": [*request["messages"], {"role": "assistant", "content": content}]}


# -- prompt caching ----------------------------------------------------------------------


def _plan_cache(
    chat: Chat | None,
    settings: Settings,
    info: ModelInfo | None,
    request: dict[str, Any],
    *,
    continuing: bool,
    notify: Notify,
) -> tuple[dict[str, Any], CachePlan]:
    """Place cache breakpoints; `continuing` is False on a chat's first turn (or a --new one)."""
    previous = chat.cache_plan if chat and continuing else None
    if chat and continuing and settings.cache != "off":
        _warn_cache_breaks(chat, request, notify)
    planned, plan = _planned(info, settings, request, previous)
    if chat:
        planned["diagnostics"] = {"previous_message_id": chat.last_message_id if continuing else None}
    return planned, plan


def _warn_cache_breaks(chat: Chat, request: dict[str, Any], notify: Notify) -> None:
    from .core.caching import avoidable_breaks, cache_signature

    for reason in avoidable_breaks(chat.cache_signature, cache_signature(request)):
        notify(
            f"cache:{reason}",
            f"this cell invalidates the prompt cache of chat {chat.name!r} ({reason}); "
            "keep it unchanged mid-chat, or start a new chat with --new or --chat NAME",
        )


def _planned(
    info: ModelInfo | None, settings: Settings, request: dict[str, Any], previous: CachePlan | None
) -> tuple[dict[str, Any], CachePlan]:
    """The request with its cache breakpoints, planned from the previous request's plan of the same chat."""
    from .core.caching import plan_cache

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
