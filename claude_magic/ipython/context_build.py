"""`build_context`: the notebook context one `%%claude` cell of a chat would add, as a `ChatContext` plan.

The integration surface, for the cell path and `%claude context` alike:

    plan = build_context(watcher, shell, chat, cell_text, budget_tokens, exclude, turn=..., fresh=...)
    plan.text           # the exact block to put before the cell's text ("" when nothing changed)
    plan.summary_line   # `context: 3 cells, 2 variables, 1 error · 412 tokens`, for the panel
    plan.preview()      # what `%claude context` shows: items with tokens, masked names, then plan.text
    plan.provenance()   # names and token counts, never values, for the output's metadata
    watcher.mark_sent(chat, plan.changes, turn)  # once the chat took the prompt: the next "since"

`ipython/context_cell.py` wraps both for a cell (and the agent's cell): build, then mark once committed.

Nothing is marked by building: a preview, or a cell that fails, leaves the chat's "since" where it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..core.context import DEFAULT_CONTEXT_TOKENS, ContextPlan, Variable, make_items, plan
from ..core.masking import Secrets, env_literals, is_excluded
from .context_vars import public_names, secret_literals, summarise
from .context_watch import Changes, NotebookWatcher


@dataclass(frozen=True)
class ChatContext(ContextPlan):
    """A plan and the changes it covers: pass `changes` to `NotebookWatcher.mark_sent` once it was sent."""

    changes: Changes | None = None


def build_context(
    watcher: NotebookWatcher,
    shell: Any,
    chat: str,
    cell_text: str,
    budget_tokens: int = DEFAULT_CONTEXT_TOKENS,
    exclude: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    *,
    turn: str | None = None,
    fresh: bool = False,
    without_cells: Iterable[int] = (),
) -> ChatContext:
    """What changed for `chat` since its previous prompt, masked, within `budget_tokens`, as one plan.

    `turn` and `fresh` choose the "since" (`NotebookWatcher.since`); cells numbered in `without_cells`
    are left out (the cell `%claude fix` sends itself), and still count as sent once the plan is marked.
    """
    patterns = tuple(exclude)
    changes = watcher.since(chat, turn, fresh=fresh)
    user_ns = shell.user_ns
    names = public_names(user_ns, getattr(shell, "user_ns_hidden", None))
    literals = env_literals(os.environ if environ is None else environ)
    secrets = Secrets(literals + tuple(secret_literals(user_ns, names, patterns)), patterns)
    variables = _variables(user_ns, changes, patterns)
    removed = [name for name in changes.removed if not is_excluded(name, patterns)]
    skipped = set(without_cells)
    cells = [cell for cell in changes.cells if cell.number is None or cell.number not in skipped]
    items = make_items(cells, variables, removed, secrets)
    excluded = tuple(name for name in [*changes.new, *changes.changed] if is_excluded(name, patterns))
    made = plan(items, budget_tokens, cell_text, first=changes.first, excluded=excluded)
    return ChatContext(made.text, made.items, made.omitted, made.masked, made.excluded, made.tokens, changes)


def _variables(user_ns: Mapping[str, Any], changes: Changes, exclude: tuple[str, ...]) -> list[Variable]:
    found = []
    for name in changes.new:
        if name in user_ns and (variable := summarise(name, user_ns[name], exclude, "new")) is not None:
            found.append(variable)
    for name in changes.changed:
        if name in user_ns and (variable := summarise(name, user_ns[name], exclude, "changed")) is not None:
            found.append(variable)
    return found
