"""ClaudeMagics: the %%claude / %claude magics; their %config traits are in traits.py, bound by bindings.py."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import observe, validate

from .._session import Session
from ..core.settings import lone_surrogate
from . import bindings
from .cell_parts import CellParts, _has_kernel, _namespace
from .delivery import Provenance, deliver, one_line_failures
from .fix import LastError
from .traits import ClaudeTraits

if TYPE_CHECKING:
    from ..core.events import ReplyView
    from .context_build import ChatContext
    from .context_watch import NotebookWatcher
    from .options import CellOptions


Magic = TypeVar("Magic", bound=Callable[..., Any])


def _option_help(magic: Magic) -> Magic:
    """`%%claude?` lists every option: IPython's inspector asks `getdoc()` before the docstring, and the
    parser (options.py, some 50 options) is built then rather than at %load_ext."""

    def getdoc() -> str:
        from .options import parser

        return str(parser(inspect.cleandoc(magic.__doc__ or "")).format_help())

    magic.getdoc = getdoc  # type: ignore[attr-defined]
    return magic


@magics_class
class ClaudeMagics(Magics, ClaudeTraits, CellParts):
    """Talk to Claude from a notebook. Traits set the defaults of every %%claude option."""

    def __init__(self, shell: Any = None, session: Session | None = None, **kwargs: Any) -> None:
        # Set before super().__init__, which applies %config values through the validators below.
        self.session = session if session is not None else Session()
        self._starting = True
        self.last_error = LastError()
        self.provenance = Provenance(self.session.usage)
        self.watcher: NotebookWatcher | None = None  # the extension registers one on the shell: notebook context
        super().__init__(shell=shell, **kwargs)
        self._starting = False
        bindings.apply_all(self)

    # -- traits (bindings.py: where each applies) ------------------------------------------

    @validate(*bindings.CHECKED)
    def _check_trait(self, proposal: Any) -> Any:
        return bindings.check(self, proposal["trait"].name, proposal["value"])

    @observe(*bindings.APPLIED)
    def _apply_trait(self, change: Any) -> None:
        bindings.apply(self, change["name"])

    def _load_config(self, cfg: Any, section_names: Any = None, traits: Any = None) -> None:
        """Load config one trait at a time, model first; a rejected value is one line and the old value stays."""

        def load(one: Any) -> None:
            super(ClaudeMagics, self)._load_config(one, section_names=section_names, traits=traits)

        bindings.load_config(self, self._find_my_config(cfg), load, starting=getattr(self, "_starting", False))

    # -- the magic ----------------------------------------------------------------------

    @_option_help
    @line_cell_magic
    @no_var_expand
    def claude(self, line: str, cell: str | None = None) -> Any:
        """Ask Claude. As a cell magic the cell body is the prompt; as a line magic, the rest of the line.

        The line magic also runs subcommands (`%claude help` lists them); `%claude -- help me` sends "help me".
        """
        line = _var_expanded(self.shell, line, batch=cell is None)
        if cell is None:
            from .commands import find_command  # on first use: keeps %load_ext cheap

            command = find_command(line)
            if command is not None:
                return self._run_command(command)
        options, prompt, content, records = self._cell(line, cell)
        self.ask(options, prompt, content, records)
        return None

    def _run_command(self, command: Any) -> Any:
        """Run a subcommand; ledger rows it made that no reply view carried (batch joins, --sync rows) get an output."""
        with self.provenance.shown_after(rich=_has_kernel(self.shell)):
            return command(self)

    async def claude_async(self, line: str, cell: str) -> None:
        """`%%claude` run as an awaitable (IPython's autoawait): the cell can wait for an Approve click.

        ipykernel hands widget messages to a cell that is awaiting, never to one that blocks; the
        input transformer in ipython/transform.py sends --confirm cells here.
        """
        options, prompt, content, records = self._cell(line, cell)
        await self._ask(options, prompt, content, records, blocking=False)

    def _cell(self, line: str, cell: str | None) -> tuple[CellOptions, str, list[dict[str, Any]], list[dict[str, Any]]]:
        """The cell's options, its prompt with {{expressions}} filled in, and its attachments; nothing is sent."""
        from .namespace import expand_template  # on first use: %load_ext stays cheap
        from .options import parse_options

        options = parse_options(line)
        prompt = expand_template(_prompt(options, cell, _namespace(self.shell)), _namespace(self.shell))
        content, records = self._attachments(options, line_magic=cell is None)
        return options, prompt, content, records

    # -- what subcommands use (ipython.commands.CommandHost) ------------------------------

    def fix_last_error(self) -> None:
        """Send the kernel's last traceback and ask for an explanation and a fix."""
        prompt = self.last_error.prompt()
        if prompt is None:
            print("claude_magic: no exception recorded in this kernel yet; run the failing cell, then %claude fix")
            return
        from .._tool_loop import run_blocking
        from .options import parse_options

        sent = () if self.last_error.number is None else (self.last_error.number,)  # its traceback goes once
        run_blocking(self._ask(parse_options(""), prompt, None, None, blocking=True, without_cells=sent))

    def settings_panel(self) -> Any:
        """A settings panel bound to these traits; panels shown twice stay in sync through the traits."""
        from ..ui.settings_panel import SettingsPanel

        transcript = self.session.transcript
        return SettingsPanel(
            self,
            self.session.connection.models(),
            cache_in_use=lambda: any(chat.exchanges for chat in transcript.chats.values()),
        )

    def config_rows(self) -> list[dict[str, Any]]:
        """One row per %config setting: name, value, help."""
        traits = self.traits(config=True)
        return [{"setting": name, "value": self.shown(name), "help": traits[name].help} for name in sorted(traits)]

    @classmethod
    def class_get_trait_help(cls, trait: Any, inst: Any = None, helptext: str | None = None) -> str:
        """`%config ClaudeMagics` help; for `headers` the current value lists names only (values may be secrets)."""
        if inst is None or trait.name != "headers":
            return str(super().class_get_trait_help(trait, inst, helptext))
        text = str(super().class_get_trait_help(trait, None, helptext))
        return f"{text}\n    Current: {inst.shown('headers')!r}"

    def _attachments(
        self, options: CellOptions, *, line_magic: bool = False
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not options.attach and not options.cite:
            return [], []
        model = options.overrides.get("model", self.session.settings.model)
        history = self.session.history(options.chat, keep=not options.no_history, new=options.new)
        budget = self.table_token_budget if options.table_budget is None else options.table_budget
        from .namespace import build_content

        return build_content(
            list(options.attach),
            _namespace(self.shell),
            model=model,
            table_budget=budget,
            cite=options.cite,
            history=history,
            words=options.text.split() if line_magic else None,
        )

    def ask(
        self,
        options: CellOptions,
        prompt: str,
        content: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        """Send `prompt` with the cell's options, streaming the reply into a view shown once the request is valid."""
        from .._tool_loop import run_blocking

        run_blocking(self._ask(options, prompt, content, attachments, blocking=True))

    async def _ask(
        self,
        options: CellOptions,
        prompt: str,
        content: list[dict[str, Any]] | None,
        attachments: list[dict[str, Any]] | None,
        *,
        blocking: bool,
        without_cells: tuple[int, ...] = (),
    ) -> None:
        """Prepare (nothing shown if invalid), then stream into a view; with tools, run the loop.

        The notebook context goes first in the new turn; the chat's "since" moves once the chat took it.
        """
        agent = self._agent(options, blocking)
        toolset = self._toolset(options, blocking, agent) if options.uses_tools else None
        shape = self._output_shape(options)
        with self._notebook_context(options, prompt, without_cells) as context:
            from .context_cell import context_content

            sent = [*context_content(context), *(content or [])] or None
            prepared = self._prepare(options, prompt, sent, attachments, toolset, shape)
            fmt = "text" if self.display == "text" and options.format == "markdown" else options.format
            with self._view(options, fmt) as view:
                reply = await self._answer(prepared, toolset, view, blocking, context, agent)
        deliver(self.shell, options, reply, shape)

    async def _answer(
        self, prepared: Any, toolset: Any, view: ReplyView, blocking: bool, context: ChatContext | None, agent: Any
    ) -> Any:
        """The reply in `view`, which says what context went and settles with the rows this cell made."""
        from ..core.provenance import with_context

        sent = context if context is not None and context.text else None
        if sent is not None:
            view.context(sent.summary_line)
        made = len(self.session.usage)
        try:
            reply = await self._reply(prepared, toolset, view, blocking, agent)
        finally:  # the view settles (finish, or its exit stops it) with the rows this cell made
            carried = with_context(self.provenance.take(made), sent.provenance() if sent else None)
            view.carry(agent.carried(carried) if agent else carried)
            if agent:  # what ran changed the kernel, however the cell ended: the notebook shows it
                agent.propose(self.shell)
        view.finish(reply, self._spend())
        return reply

    def _prepare(
        self,
        options: CellOptions,
        prompt: str,
        content: list[dict[str, Any]] | None,
        attachments: list[dict[str, Any]] | None,
        toolset: Any,
        shape: Any,
    ) -> Any:
        """The cell's request, checked; nothing is sent or shown yet."""
        tools = toolset.definitions() if toolset else None
        body = {"output_config": {"format": shape.format}} if shape is not None else None
        request = options.request(content=content, attachments=attachments, tools=tools, body=body)
        return self.session.prepare(prompt, request)

    async def _reply(self, prepared: Any, toolset: Any, view: ReplyView, blocking: bool, agent: Any = None) -> Any:
        """The reply, streamed into `view`; a failure is one line (an interrupt stays one, for Run All to stop)."""
        with one_line_failures():
            if toolset is None:
                reply = self.session.send(prepared, view.consume, view.note, on_estimate=view.estimate)
                return self.session.commit(prepared, reply)
            from .._tool_loop import Loop

            loop = Loop(self.session, toolset, view.consume, view.note, blocking, view.estimate)
            if agent:
                agent.loop = loop
            return await loop.run(prepared)

    def _spend(self) -> str | None:
        """The footer's spend line, when a budget is set."""
        return self.session.spend_line() if self.budget_usd is not None else None


def _prompt(options: CellOptions, cell: str | None, namespace: dict[str, Any]) -> str:
    if cell is not None and options.text:
        raise UsageError(f"unexpected text on the %%claude line: {options.text!r}; put the prompt in the cell")
    prompt = (cell if cell is not None else options.text).strip()
    if not prompt and cell is None and options.attach:
        from .namespace import double_dash_line

        line = double_dash_line(list(options.attach), [], namespace)
        raise UsageError(f"nothing to send: -a takes every word after it as a name; put -- before the prompt: {line}")
    if not prompt:
        raise UsageError("nothing to send: write a prompt in the cell (or after %claude)")
    surrogate = lone_surrogate(prompt)
    if surrogate:
        raise UsageError(f"the prompt contains {surrogate}, a lone surrogate that cannot be sent as UTF-8; retype it")
    return prompt


def _var_expanded(shell: Any, line: str, *, batch: bool) -> str:
    """The line as IPython would have expanded it (`{x}`, `$x`), except a `batch` line, whose `{{row.col}}` must stay.

    The magic opts out of IPython's expansion (no_var_expand) only for that. Depth 3 is the frame
    that called run_line_magic / run_cell_magic (var_expand <- this <- claude <- run_*_magic <- it),
    whose locals IPython's own expansion reads.
    """
    if shell is None or (batch and line.split(maxsplit=1)[:1] == ["batch"]):
        return line
    return str(shell.var_expand(line, depth=3))
