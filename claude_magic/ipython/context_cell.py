"""One cell's notebook context: built for the cell's chat, sent as the user turn's first text, marked once taken.

`notebook_context(...)` is the one piece a `%%claude` cell, `%claude fix` and the agent's cell share:

    with notebook_context(watcher, shell, chat, prompt, choice, keep=..., fresh=...) as plan:
        content = [*context_content(plan), *attachments]   # the block goes first in the new user turn
        ... prepare, send, commit ...

On leaving, the chat's "since" moves only if the chat took a turn (its exchange was committed): a cell
that fails before that leaves it where it was. A turn taken without context (`--no-context`) keeps the
old "since" valid for the new turn, so the next prompt still adds only what changed.
The block stays verbatim in the chat's history (`Exchange.user_content`), so the next request reads it
from the prompt cache, after the prefix (tools, system) the cache planner marks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..core.context import DEFAULT_CONTEXT_TOKENS
from ..core.transcript import Chat
from .context_build import ChatContext, build_context
from .context_watch import NotebookWatcher

CONTEXT_SETTINGS = ("on", "off")


@dataclass(frozen=True)
class ContextChoice:
    """Whether a cell sends the notebook context, within how many tokens, and which names never go."""

    on: bool = True
    tokens: int = DEFAULT_CONTEXT_TOKENS
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, setting: str, forced: bool | None, tokens: int, exclude: Iterable[str]) -> ContextChoice:
        """The session's `setting` ("on"/"off"), unless the cell's `--context` / `--no-context` (`forced`) says."""
        return cls(setting != "off" if forced is None else forced, tokens, tuple(exclude))


def plan_context(
    watcher: NotebookWatcher | None,
    shell: Any,
    chat: Chat,
    prompt: str,
    choice: ContextChoice,
    *,
    fresh: bool = False,
    without_cells: Iterable[int] = (),
) -> ChatContext | None:
    """What `prompt` in `chat` would add (None when context is off); nothing is marked."""
    if watcher is None or not choice.on:
        return None
    return build_context(
        watcher,
        shell,
        chat.name,
        prompt,
        choice.tokens,
        choice.exclude,
        turn=chat.last_message_id,
        fresh=fresh or not chat.exchanges,
        without_cells=without_cells,
    )


def context_content(plan: ChatContext | None) -> list[dict[str, Any]]:
    """The user turn's context block: one text block, or none when nothing changed."""
    return [{"type": "text", "text": plan.text}] if plan is not None and plan.text else []


@contextmanager
def notebook_context(
    watcher: NotebookWatcher | None,
    shell: Any,
    chat: Chat,
    prompt: str,
    choice: ContextChoice,
    *,
    keep: bool = True,
    fresh: bool = False,
    without_cells: Iterable[int] = (),
) -> Iterator[ChatContext | None]:
    """The plan for one cell; on exit the chat's "since" moves if `chat` took a turn (and `keep`: it joins the chat)."""
    before = (len(chat.exchanges), chat.last_message_id)
    plan = plan_context(watcher, shell, chat, prompt, choice, fresh=fresh or not keep, without_cells=without_cells)
    try:
        yield plan
    finally:
        if watcher is not None and keep and (len(chat.exchanges), chat.last_message_id) != before:
            _taken(watcher, chat, plan, None if fresh else before[1])


def _taken(watcher: NotebookWatcher, chat: Chat, plan: ChatContext | None, old_turn: str | None) -> None:
    """`chat` took a turn: with context the "since" moves; without, what the chat held still holds (not after --new)."""
    if plan is not None:
        watcher.mark_sent(chat.name, plan.changes, chat.last_message_id)
    elif old_turn is not None:
        watcher.carry(chat.name, old_turn, chat.last_message_id)
    else:
        watcher.reset(chat.name)
