"""The parts a %%claude cell is built from: its notebook context, its tools and approvers, its view and output shape.

`ClaudeMagics` mixes this in; it reads the cell's options and the traits (display, approval_timeout, agent
settings, context settings) and never sends anything itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .._session import Session
    from ..ui.panel import ResponsePanel
    from ..ui.plain import MarkdownView
    from .context_build import ChatContext
    from .context_watch import NotebookWatcher
    from .options import CellOptions


class CellParts:
    """What one cell needs besides its request: context, tools, approval, view (mixed into ClaudeMagics)."""

    shell: Any
    session: Session
    watcher: NotebookWatcher | None

    def context_plan(self, chat: str, prompt: str = "") -> ChatContext | None:
        """What the next %%claude of `chat` with `prompt` would add (None when context is off); nothing is marked."""
        from ..core.transcript import Chat
        from .context_cell import plan_context

        known = self.session.transcript.chats.get(chat) or Chat(chat)
        return plan_context(self.watcher, self.shell, known, prompt, self._context_choice(None))

    def _context_choice(self, forced: bool | None) -> Any:
        from .context_cell import ContextChoice

        return ContextChoice.of(self.context, forced, self.context_tokens, self.context_exclude)

    def _notebook_context(
        self, options: CellOptions, prompt: str, without_cells: tuple[int, ...]
    ) -> AbstractContextManager[ChatContext | None]:
        """The cell's notebook context (ipython/context_cell.py), marked sent once its chat took the turn."""
        from .context_cell import notebook_context

        chat = self.session.transcript.chat(options.chat)
        choice = self._context_choice(options.context)
        keep, fresh = not options.no_history, options.new
        return notebook_context(
            self.watcher, self.shell, chat, prompt, choice, keep=keep, fresh=fresh, without_cells=without_cells
        )

    def _toolset(self, options: CellOptions, blocking: bool, agent: Any = None) -> Any:
        from .tool_setup import build_toolset

        approver = self._approver(blocking) if options.confirm else None
        mcp = lambda: self.session.mcp  # noqa: E731
        tools = build_toolset(options, _namespace(self.shell), self.mcp_servers, mcp, approver, self.max_tool_rounds)
        model = options.overrides.get("model", self.session.settings.model)
        return agent.toolset(tools, self.shell, self.agent_timeout, model) if agent else tools

    def _approver(self, blocking: bool) -> Any:
        """Approve / Deny buttons when the cell awaits in a widget frontend; else a question on input()."""
        from ..ui.approval import ButtonApprover, InputApprover

        asker = InputApprover(can_ask=_allows_stdin(self.shell))
        return ButtonApprover(self.approval_timeout, asker) if self._buttons(blocking) else asker

    def _agent(self, options: CellOptions, blocking: bool) -> Any:
        """The gate of an --agent cell, asking as --confirm does (buttons, input(), or nobody: denied)."""
        if not options.agent:
            return None
        from .agent_cell import AgentCell, code_asker

        asker = code_asker(self._buttons(blocking), _allows_stdin(self.shell), self.approval_timeout)
        other = self._approver(blocking) if options.confirm else None
        return AgentCell.start(asker, yes=options.yes, session=self.agent_approval == "session", other=other)

    def _buttons(self, blocking: bool) -> bool:
        """Whether an approval can be a click: the cell awaits, in a kernel whose frontend draws widgets."""
        return not blocking and self.uses_widgets()

    def _output_shape(self, options: CellOptions) -> Any:
        """The structured-output schema of `-f json --schema NAME`, checked before anything is sent."""
        if options.schema is None:
            return None
        namespace = _namespace(self.shell)
        if options.schema not in namespace:
            raise UsageError(f"--schema {options.schema}: no such name in the notebook; define the model first")
        from ..tools.structured import output_schema

        return output_schema(namespace[options.schema], options.schema)

    def _view(self, options: CellOptions, fmt: str) -> ResponsePanel | MarkdownView:
        """The reply panel in a kernel: a widget view where the frontend draws them, else plain HTML outputs.

        `%config ClaudeMagics.display` overrides the choice; a terminal gets the Markdown view.
        """
        choice = self._panel_choice(fmt)
        if choice is not None:
            from ..ui.panel import ResponsePanel

            model = options.overrides.get("model", self.session.settings.model)
            return ResponsePanel(model, options.chat, live=not options.no_stream, fmt=fmt, **choice)
        from ..ui.plain import MarkdownView

        return MarkdownView(live=not options.no_stream, rich=_has_kernel(self.shell), fmt=fmt)

    def _panel_choice(self, fmt: str) -> dict[str, bool] | None:
        """ResponsePanel's options for this display setting, or None for the Markdown / text view."""
        if fmt == "text" or self.display in ("markdown", "text") or not _has_kernel(self.shell):
            return None
        if self.display == "html":
            return {"plain": True}
        if self.display == "widget":
            return {"plain": not _has_widgets(), "fallback": False}
        from ..ui.frontend import WATCH

        return {"plain": not (_has_widgets() and WATCH.draws_views()), "fallback": True}

    def uses_widgets(self) -> bool:
        """Whether progress bars and Approve buttons may be widgets here (a kernel, ipywidgets, not forced off)."""
        return _has_kernel(self.shell) and _has_widgets() and self.display in ("auto", "widget")


def _namespace(shell: Any) -> dict[str, Any]:
    return shell.user_ns if shell is not None else {}


def _has_kernel(shell: Any) -> bool:
    return getattr(shell, "kernel", None) is not None


def _allows_stdin(shell: Any) -> bool:
    """Whether input() can be answered: a terminal can; a kernel's frontend says so per execute_request."""
    kernel = getattr(shell, "kernel", None)
    return kernel is None or bool(getattr(kernel, "_allow_stdin", True))


def _has_widgets() -> bool:
    from importlib.util import find_spec

    return find_spec("ipywidgets") is not None
