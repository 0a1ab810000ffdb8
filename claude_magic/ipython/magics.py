"""ClaudeMagics: the %%claude / %claude magics and their %config traits."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Bool, Enum, Int, TraitError, Unicode, Union, observe, validate

import claude_magic

from ..core.errors import ClaudeMagicError, SettingsError
from ..core.models import DEFAULT_MODEL, EFFORTS
from ..core.render import extract_code
from ..core.settings import parse_thinking
from ..session import Session
from .fix import LastError
from .options import CellOptions, claude_arguments, parse_options
from .references import build_content, expand_template

SETTING_TRAITS = ("model", "max_tokens", "effort", "thinking", "show_thinking", "system")


@magics_class
class ClaudeMagics(Magics):
    """Talk to Claude from a notebook. Traits set the defaults of every %%claude option."""

    model = Unicode(DEFAULT_MODEL, help="Model id (longest-prefix match against the registry).").tag(config=True)
    max_tokens = Int(4096, help="Maximum output tokens per reply.").tag(config=True)
    effort = Enum(
        EFFORTS,
        default_value=None,
        allow_none=True,
        help="Effort: low, medium, high, xhigh or max; None = the model's default.",
    ).tag(config=True)
    thinking = Union(
        [Int(), Unicode()],
        default_value="auto",
        help="auto (model default), off, adaptive, or a manual budget in tokens.",
    ).tag(config=True)
    show_thinking = Bool(False, help="Ask for summarised thinking text (current models omit it by default).").tag(
        config=True
    )
    system = Unicode(None, allow_none=True, help="System prompt sent with every request.").tag(config=True)
    simulate = Bool(False, help="Use the built-in offline simulator instead of the real API.").tag(config=True)
    display = Enum(("auto", "markdown", "text"), default_value="auto", help="How replies are shown.").tag(config=True)
    table_token_budget = Int(4000, help="Tokens per attached DataFrame summary (--table-budget).").tag(config=True)

    def __init__(self, shell: Any = None, session: Session | None = None, **kwargs: Any) -> None:
        # Set before super().__init__, which applies %config values through the validators below.
        self.session = session or claude_magic.session()
        self.last_error = LastError()
        super().__init__(shell=shell, **kwargs)
        self.session.configure(**{name: getattr(self, name) for name in SETTING_TRAITS})
        if self.simulate:
            self.session.simulate = True

    # -- traits -------------------------------------------------------------------------

    @validate(*SETTING_TRAITS)
    def _check_setting(self, proposal: Any) -> Any:
        name, value = proposal["trait"].name, proposal["value"]
        if name == "thinking":
            value = _as_trait_error(parse_thinking, value)
        _as_trait_error(lambda: self.session.settings.with_changes(**{name: value}))
        return value

    @observe(*SETTING_TRAITS)
    def _apply_setting(self, change: Any) -> None:
        value = change["new"]
        if change["name"] == "thinking":
            value = parse_thinking(value)
        self.session.configure(**{change["name"]: value})

    @observe("simulate")
    def _apply_simulate(self, change: Any) -> None:
        self.session.simulate = change["new"]

    # -- the magic ----------------------------------------------------------------------

    @claude_arguments
    @line_cell_magic
    def claude(self, line: str, cell: str | None = None) -> None:
        """Ask Claude. As a cell magic the cell body is the prompt; as a line magic, the rest of the line."""
        if cell is None and line.strip() == "fix":
            return self.fix_last_error()
        options = parse_options(self.claude, line)
        prompt = expand_template(_prompt(options, cell), _namespace(self.shell))
        content, records = self._attachments(options)
        self._ask(options, prompt, content, records)

    def fix_last_error(self) -> None:
        """Send the kernel's last traceback and ask for an explanation and a fix."""
        prompt = self.last_error.prompt()
        if prompt is None:
            print("claude_magic: no exception recorded in this kernel yet; run the failing cell, then %claude fix")
            return
        self._ask(parse_options(self.claude, ""), prompt)

    def _attachments(self, options: CellOptions) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not options.attach and not options.cite:
            return [], []
        model = options.overrides.get("model", self.session.settings.model)
        chat = self.session.transcript.chat(options.chat)
        history = [] if options.no_history or options.new else chat.messages(self.session.history_window)
        budget = options.table_budget or self.table_token_budget
        return build_content(
            list(options.attach),
            _namespace(self.shell),
            model=model,
            table_budget=budget,
            cite=options.cite,
            history=history,
        )

    def _ask(
        self,
        options: CellOptions,
        prompt: str,
        content: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        from ..ui.plain import MarkdownView

        fmt = "text" if self.display == "text" and options.format == "markdown" else options.format
        view = MarkdownView(live=not options.no_stream, rich=_has_kernel(self.shell), fmt=fmt)
        try:
            reply = self.session.ask(
                prompt,
                chat=options.chat,
                history=not options.no_history,
                new=options.new,
                content=content,
                attachments=attachments,
                on_event=view.consume,
                **options.overrides,
            )
        except KeyboardInterrupt:
            view.stop(self.session.last, "interrupted")
            return
        except ClaudeMagicError as error:
            view.stop(self.session.last, "failed")
            raise error from None
        view.finish(reply)
        self._deliver(options, reply)

    def _deliver(self, options: CellOptions, reply: Any) -> None:
        if options.out:
            self.shell.user_ns[options.out] = reply
        if options.format == "code":
            code = extract_code(reply.text)
            if code:
                self.shell.set_next_input(code, replace=False)


def _prompt(options: CellOptions, cell: str | None) -> str:
    if cell is not None and options.text:
        raise UsageError(f"unexpected text on the %%claude line: {options.text!r}; put the prompt in the cell")
    prompt = (cell if cell is not None else options.text).strip()
    if not prompt:
        raise UsageError("nothing to send: write a prompt in the cell (or after %claude)")
    return prompt


def _namespace(shell: Any) -> dict[str, Any]:
    return shell.user_ns if shell is not None else {}


def _has_kernel(shell: Any) -> bool:
    return getattr(shell, "kernel", None) is not None


def _as_trait_error(func: Any, *args: Any) -> Any:
    try:
        return func(*args)
    except SettingsError as error:
        raise TraitError(error.message) from None
