"""ClaudeMagics: the %%claude / %claude magics and their %config traits."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Dict, Enum, Float, Int, List, TraitError, Unicode, Union, observe, validate
from traitlets.config import Config

from .._session import Session
from .._tool_loop import APPROVAL_TIMEOUT_S, DEFAULT_MAX_ROUNDS
from ..core.budget import PREFLIGHT_TOKENS, check_cost_cap
from ..core.errors import ClaudeMagicError, PlatformError, SettingsError, StructuredOutputError
from ..core.models import DEFAULT_MODEL, EFFORTS
from ..core.platforms import PLATFORMS, check_location
from ..core.settings import (
    CACHE_POLICIES,
    SETTING_NAMES,
    check_headers,
    check_prices,
    check_table_budget,
    lone_surrogate,
    parse_thinking,
)
from .fix import LastError
from .options import CellOptions, claude_arguments, parse_options

if TYPE_CHECKING:
    from ..core.events import ReplyView

NETWORK_TRAITS = ("timeout", "max_retries", "retry_on_timeout", "max_retry_wait")
MASK = "••••••"  # what listings show instead of a header value
PLATFORM_TRAITS = ("platform", "aws_region", "aws_profile", "vertex_project", "vertex_region", "foundry_resource")


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
    cache = Enum(
        CACHE_POLICIES, default_value="auto", help="Prompt caching: auto (5-minute breakpoints), off, 5m or 1h."
    ).tag(config=True)
    prices = Dict(
        help="Price overrides in USD per million tokens, per model prefix and token class "
        "(input, write_5m, write_1h, cache_read, output), e.g. {'claude-opus-5-5': {'input': 4}}."
    ).tag(config=True)
    simulate = Bool(False, help="Use the built-in offline simulator instead of the real API.").tag(config=True)
    display = Enum(("auto", "markdown", "text"), default_value="auto", help="How replies are shown.").tag(config=True)
    autosave = Unicode(
        None, allow_none=True, help="Append every exchange to this JSON Lines file as it completes (fsync'd)."
    ).tag(config=True)
    replay = Unicode(None, allow_none=True, help="Record replies to / replay them from this JSON Lines file.").tag(
        config=True
    )
    replay_mode = Enum(
        ("record", "replay", "auto"), default_value="auto", help="record, replay (offline), or auto (replay hits)."
    ).tag(config=True)
    table_token_budget = Int(
        4000, help="Most tokens (1 or more) a DataFrame attachment may use before it is truncated."
    ).tag(config=True)
    history_window = Int(0, help="Past turns of the chat sent with each prompt; 0 sends them all.").tag(config=True)
    timeout = Float(
        60.0,
        allow_none=True,
        help="Seconds to wait for an answer and for each next piece of a reply (connecting: at most 10); "
        "None waits forever. Token counts, batch calls and model listing wait as long.",
    ).tag(config=True)
    max_retries = Int(
        None,
        allow_none=True,
        help="Retries after 429, 5xx and connection errors, for every request; None = the client's own (2).",
    ).tag(config=True)
    retry_on_timeout = Bool(
        False, help="After a timeout before the reply starts, try once more with no read limit."
    ).tag(config=True)
    mcp_servers = Dict(
        help="MCP servers --mcp NAME may start: {NAME: {'command': 'python', 'args': [...], 'env': {...}}}; "
        "also [tool.claude_magic.mcp.NAME] in pyproject.toml, once you run %claude trust.",
    ).tag(config=True)
    headers = Dict(
        value_trait=Unicode(), help="Extra HTTP headers sent with every request, e.g. {'X-Team': 'research'}."
    ).tag(config=True)
    user_id = Unicode(
        None,
        allow_none=True,
        help="metadata.user_id: an opaque id (a uuid or hash) for abuse detection; None sends none.",
    ).tag(config=True)
    betas = List(Unicode(), help="Beta features sent as anthropic-beta, e.g. ['context-1m-2025-08-07'].").tag(
        config=True
    )
    compact_at = Int(
        None, allow_none=True, help="Let the API compact the chat's context past this many input tokens (beta)."
    ).tag(config=True)
    max_retry_wait = Float(
        60.0, help="Longest retry-after (seconds) honoured; a longer one fails at once, saying when to retry."
    ).tag(config=True)
    preflight_tokens = Int(
        PREFLIGHT_TOKENS, help="Count a request's input first when it is estimated above this; 0 counts every one."
    ).tag(config=True)
    budget_usd = Float(
        None, allow_none=True, help="Session spend cap in USD: a request that could cross it is not sent; None = none."
    ).tag(config=True)
    max_tool_rounds = Int(
        DEFAULT_MAX_ROUNDS, help="Most rounds of tool calls a cell runs before its loop stops (1 or more)."
    ).tag(config=True)
    approval_timeout = Float(
        APPROVAL_TIMEOUT_S,
        allow_none=True,
        help="Seconds --confirm waits for an Approve / Deny click before it denies the call; None waits forever.",
    ).tag(config=True)

    platform = Enum(
        PLATFORMS,
        default_value="anthropic",
        help="Where requests go: anthropic (the Claude API), bedrock, vertex or foundry; credentials come from "
        "the platform's usual sources (AWS profiles/SSO, gcloud ADC, ANTHROPIC_FOUNDRY_API_KEY or Entra ID).",
    ).tag(config=True)
    aws_region = Unicode(None, allow_none=True, help="Bedrock: AWS region; None = AWS_REGION or the profile's.").tag(
        config=True
    )
    aws_profile = Unicode(None, allow_none=True, help="Bedrock: AWS profile in ~/.aws; None = the default chain.").tag(
        config=True
    )
    vertex_project = Unicode(
        None, allow_none=True, help="Vertex AI: Google Cloud project; None = GOOGLE_CLOUD_PROJECT or gcloud ADC's."
    ).tag(config=True)
    vertex_region = Unicode(
        None, allow_none=True, help="Vertex AI: region, e.g. global or us-east5; None = CLOUD_ML_REGION."
    ).tag(config=True)
    foundry_resource = Unicode(
        None, allow_none=True, help="Foundry: resource NAME of https://NAME.services.ai.azure.com."
    ).tag(config=True)

    def __init__(self, shell: Any = None, session: Session | None = None, **kwargs: Any) -> None:
        # Set before super().__init__, which applies %config values through the validators below.
        self.session = session if session is not None else Session()
        self._starting = True
        self.last_error = LastError()
        self._carried = 0  # ledger rows up to here are carried by some output's metadata
        super().__init__(shell=shell, **kwargs)
        self._starting = False
        self.session.configure(**{name: getattr(self, name) for name in SETTING_NAMES})
        self.session.history_window = self.history_window
        self.session.budget_usd, self.session.preflight_tokens = self.budget_usd, self.preflight_tokens
        if self.simulate:
            self.session.simulate = True
        self.session.prices = dict(self.prices)
        self.session.headers = dict(self.headers)
        self._apply_transcript_files(None)
        self.session.configure_network(**{name: getattr(self, name) for name in NETWORK_TRAITS})
        self._apply_platform(None)

    # -- traits -------------------------------------------------------------------------

    @validate(*SETTING_NAMES)
    def _check_setting(self, proposal: Any) -> Any:
        name, value = proposal["trait"].name, proposal["value"]
        if name == "thinking":
            value = _as_trait_error(parse_thinking, value)
        _as_trait_error(lambda: self.session.settings.with_changes(**{name: value}))
        return value

    @observe(*SETTING_NAMES)
    def _apply_setting(self, change: Any) -> None:
        value = change["new"]
        if change["name"] == "thinking":
            value = parse_thinking(value)
        self.session.configure(**{change["name"]: value})

    @validate("prices")
    def _check_prices(self, proposal: Any) -> Any:
        return _as_trait_error(check_prices, proposal["value"])

    @observe("prices")
    def _apply_prices(self, change: Any) -> None:
        self.session.prices = dict(change["new"])

    @validate("headers")
    def _check_headers(self, proposal: Any) -> dict[str, str]:
        return dict(_as_trait_error(check_headers, proposal["value"]))

    @observe("headers")
    def _apply_headers(self, change: Any) -> None:
        self.session.headers = dict(change["new"])

    @validate("mcp_servers")
    def _check_mcp_servers(self, proposal: Any) -> dict[str, Any]:
        from ..core.errors import McpError
        from ..tools.mcp import McpServerConfig

        for name, entry in proposal["value"].items():
            try:
                McpServerConfig.from_mapping(name, entry)
            except McpError as error:
                raise TraitError(error.message) from None
        return dict(proposal["value"])

    @validate("table_token_budget")
    def _check_table_budget(self, proposal: Any) -> int:
        return int(_as_trait_error(check_table_budget, proposal["value"]))

    @validate("budget_usd")
    def _check_budget(self, proposal: Any) -> float | None:
        return _as_trait_error(check_cost_cap, proposal["value"], "budget_usd")  # type: ignore[no-any-return]

    @observe("budget_usd", "preflight_tokens")
    def _apply_budget(self, change: Any) -> None:
        setattr(self.session, change["name"], change["new"])

    @validate("history_window", "preflight_tokens")
    def _check_not_negative(self, proposal: Any) -> int:
        if proposal["value"] < 0:
            raise TraitError(f"{proposal['trait'].name} must be 0 or more, not {proposal['value']}")
        return int(proposal["value"])

    @validate("max_tool_rounds")
    def _check_max_tool_rounds(self, proposal: Any) -> int:
        from .options import rounds_problem

        if proposal["value"] < 1:
            raise TraitError(rounds_problem("max_tool_rounds", proposal["value"]))
        return int(proposal["value"])

    @validate("approval_timeout")
    def _check_approval_timeout(self, proposal: Any) -> float | None:
        value = proposal["value"]
        if value is not None and not 0 < value < float("inf"):
            raise TraitError(
                f"approval_timeout must be a number of seconds above 0, or None to wait forever; not {value}"
            )
        return value  # type: ignore[no-any-return]

    @observe("history_window")
    def _apply_history_window(self, change: Any) -> None:
        self.session.history_window = change["new"]

    def _load_config(self, cfg: Any, section_names: Any = None, traits: Any = None) -> None:
        """Load config one trait at a time, model first; a rejected value is one line and the old value stays."""
        mine = self._find_my_config(cfg)
        problems = []
        for name in sorted(mine, key=_load_order):
            one = Config({type(self).__name__: {name: mine[name]}})
            before = getattr(self, name, None)
            try:
                super()._load_config(one, section_names=section_names, traits=traits)
                # traitlets skips the validators of a value equal to the old one (True == 1): run them now
                self.set_trait(name, getattr(self, name))
            except TraitError as error:
                problems.append(f"ClaudeMagics.{name}: {error}")
                self.set_trait(name, before)
        if problems:
            self._config_problem("; ".join(problems) + " (the old value is kept)")

    def _config_problem(self, message: str) -> None:
        if getattr(self, "_starting", False):  # while loading ipython_config.py: warn, don't break %load_ext
            print(f"claude_magic: {message}", file=sys.stderr)
        else:
            raise SettingsError(message)

    @validate(*NETWORK_TRAITS)
    def _check_network(self, proposal: Any) -> Any:
        name, value = proposal["trait"].name, proposal["value"]
        _as_trait_error(lambda: self.session.connection.policy.with_changes(**{name: value}))
        return value

    @observe(*NETWORK_TRAITS)
    def _apply_network(self, change: Any) -> None:
        self.session.configure_network(**{change["name"]: change["new"]})

    @validate(*PLATFORM_TRAITS[1:])
    def _check_platform_setting(self, proposal: Any) -> str | None:
        return _as_trait_error(check_location, proposal["trait"].name, proposal["value"])  # type: ignore[no-any-return]

    @observe(*PLATFORM_TRAITS)
    def _apply_platform(self, change: Any) -> None:
        from ..core.platforms import PlatformConfig

        settings = {name: getattr(self, name) for name in PLATFORM_TRAITS}
        self.session.connection.use_platform(PlatformConfig(name=settings.pop("platform"), **settings))

    @observe("simulate")
    def _apply_simulate(self, change: Any) -> None:
        self.session.simulate = change["new"]

    @observe("autosave", "replay", "replay_mode")
    def _apply_transcript_files(self, change: Any) -> None:
        self.session.autosave = self.autosave
        if self.replay or change is not None:
            self.session.use_replay(self.replay, self.replay_mode)

    # -- the magic ----------------------------------------------------------------------

    @claude_arguments
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
        made = self._carried = len(self.session.usage)
        try:
            return command(self)
        finally:
            self._show_uncarried(max(made, self._carried))

    def _show_uncarried(self, since: int) -> None:
        metadata = self._provenance(since)
        if metadata and _has_kernel(self.shell):
            from IPython.display import display

            from ..core.provenance import METADATA_KEY
            from ..core.usage import format_cost

            kept = metadata[METADATA_KEY]
            line = f"claude_magic: {len(kept['calls'])} ledger row(s), {format_cost(kept['cost_usd'])}"
            display({"text/plain": line}, raw=True, metadata=metadata)

    async def claude_async(self, line: str, cell: str) -> None:
        """`%%claude` run as an awaitable (IPython's autoawait): the cell can wait for an Approve click.

        ipykernel hands widget messages to a cell that is awaiting, never to one that blocks; the
        input transformer in ipython/transform.py sends --confirm cells here.
        """
        options, prompt, content, records = self._cell(line, cell)
        await self._ask(options, prompt, content, records, blocking=False)

    def _cell(self, line: str, cell: str | None) -> tuple[CellOptions, str, list[dict[str, Any]], list[dict[str, Any]]]:
        """The cell's options, its prompt with {{expressions}} filled in, and its attachments; nothing is sent."""
        options = parse_options(line)
        from .references import expand_template  # on first use: %load_ext stays cheap

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
        self.ask(parse_options(""), prompt)

    def settings_panel(self) -> Any:
        """A settings panel bound to these traits; panels shown twice stay in sync through the traits."""
        from ..ui.settings_panel import SettingsPanel

        transcript = self.session.transcript
        return SettingsPanel(
            self,
            self.session.models(),
            cache_in_use=lambda: any(chat.exchanges for chat in transcript.chats.values()),
        )

    def config_rows(self) -> list[dict[str, Any]]:
        """One row per %config setting: name, value, help."""
        traits = self.traits(config=True)
        return [{"setting": name, "value": self._shown(name), "help": traits[name].help} for name in sorted(traits)]

    @classmethod
    def class_get_trait_help(cls, trait: Any, inst: Any = None, helptext: str | None = None) -> str:
        """`%config ClaudeMagics` help; for `headers` the current value lists names only (values may be secrets)."""
        if inst is None or trait.name != "headers":
            return str(super().class_get_trait_help(trait, inst, helptext))
        text = str(super().class_get_trait_help(trait, None, helptext))
        return f"{text}\n    Current: {inst._shown('headers')!r}"

    def _shown(self, name: str) -> Any:
        """A trait's value as listings show it: header values may be secrets, so only their names appear."""
        if name == "headers":
            return {header: MASK for header in self.headers}
        return getattr(self, name)

    def _attachments(
        self, options: CellOptions, *, line_magic: bool = False
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not options.attach and not options.cite:
            return [], []
        model = options.overrides.get("model", self.session.settings.model)
        history = self.session.history(options.chat, keep=not options.no_history, new=options.new)
        budget = self.table_token_budget if options.table_budget is None else options.table_budget
        from .references import build_content

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
    ) -> None:
        """Prepare (nothing shown if invalid), then stream into a view; with tools, run the loop."""
        toolset = self._toolset(options, blocking) if options.uses_tools else None
        shape = self._output_shape(options)
        prepared = self.session.prepare(
            prompt,
            chat=options.chat,
            history=not options.no_history,
            new=options.new,
            content=content,
            attachments=attachments,
            extra_body=options.params or None,
            overrides=options.overrides,
            tools=toolset.definitions() if toolset else None,
            body={"output_config": {"format": shape.format}} if shape is not None else None,
            headers=options.headers,
            max_cost=options.max_cost,
        )
        fmt = "text" if self.display == "text" and options.format == "markdown" else options.format
        view = self._view(options, fmt)
        made = len(self.session.usage)
        try:
            reply = await self._reply(prepared, toolset, view, blocking)
        except BaseException as error:  # whatever it is, the view settles and the cell's error is one line
            failure = _cell_failure(error)
            view.carry(self._provenance(made))
            view.stop(getattr(failure, "partial", None), _reason(failure))
            if failure is error:
                raise  # an interrupt: the kernel then aborts the rest of a Run All
            raise failure from None
        view.carry(self._provenance(made))
        view.finish(reply, self._spend())
        self._deliver(options, reply, shape)

    def _provenance(self, since: int) -> dict[str, Any]:
        """The output metadata of the ledger rows made after the first `since` (core/provenance.py)."""
        from ..core.provenance import call_provenance, output_metadata

        made = self.session.usage.records[since:]
        self._carried = len(self.session.usage)
        return output_metadata([call_provenance(record) for record in made]) if made else {}

    async def _reply(self, prepared: Any, toolset: Any, view: ReplyView, blocking: bool) -> Any:
        if toolset is None:
            reply = self.session.send(prepared, view.consume, view.note, on_estimate=view.estimate)
            return self.session.commit(prepared, reply)
        from .._tool_loop import Loop

        return await Loop(self.session, toolset, view.consume, view.note, blocking, view.estimate).run(prepared)

    def _spend(self) -> str | None:
        """The footer's spend line, when a budget is set."""
        return self.session.spend_line() if self.budget_usd is not None else None

    def _toolset(self, options: CellOptions, blocking: bool) -> Any:
        from .tool_setup import build_toolset

        approver = self._approver(blocking) if options.confirm else None
        mcp = lambda: self.session.mcp  # noqa: E731
        return build_toolset(options, _namespace(self.shell), self.mcp_servers, mcp, approver, self.max_tool_rounds)

    def _approver(self, blocking: bool) -> Any:
        """Approve / Deny buttons when the cell awaits in a widget frontend; else a question on input()."""
        from ..ui.approval import ButtonApprover, InputApprover

        asker = InputApprover(can_ask=_allows_stdin(self.shell))
        if not blocking and _has_kernel(self.shell) and _has_widgets() and self.display == "auto":
            return ButtonApprover(self.approval_timeout, asker)
        return asker

    def _output_shape(self, options: CellOptions) -> Any:
        """The structured-output schema of `-f json --schema NAME`, checked before anything is sent."""
        if options.schema is None:
            return None
        namespace = _namespace(self.shell)
        if options.schema not in namespace:
            raise UsageError(f"--schema {options.schema}: no such name in the notebook; define the model first")
        from ..tools.structured import output_schema

        return output_schema(namespace[options.schema], options.schema)

    def _view(self, options: CellOptions, fmt: str) -> ReplyView:
        """The widget panel where the frontend runs widgets, else the plain Markdown/text view."""
        if self.display == "auto" and fmt != "text" and _has_kernel(self.shell) and _has_widgets():
            from ..ui.panel import ResponsePanel

            model = options.overrides.get("model", self.session.settings.model)
            return ResponsePanel(model, options.chat, live=not options.no_stream, fmt=fmt)
        from ..ui.plain import MarkdownView

        return MarkdownView(live=not options.no_stream, rich=_has_kernel(self.shell), fmt=fmt)

    def _deliver(self, options: CellOptions, reply: Any, shape: Any = None) -> None:
        if options.format == "json":
            self._deliver_json(options, reply, shape)
            return
        if options.out:
            self.shell.user_ns[options.out] = reply
        if options.format == "code":
            from ..core.render import extract_code

            code = extract_code(reply.text)
            if code:
                self.shell.set_next_input(code, replace=False)

    def _deliver_json(self, options: CellOptions, reply: Any, shape: Any) -> None:
        """Bind the parsed reply to -o (or `_`); a reply that does not parse is one line, and the Reply is bound."""
        from ..tools import structured

        try:
            value = shape.parse(reply.text) if shape is not None else structured.parse_json(reply.text)
            if options.as_frame:
                value = structured.as_frame(value)
        except StructuredOutputError:
            self.shell.user_ns[options.out or "_"] = reply  # paid for: its text stays at hand, not a stale value
            raise
        self.shell.user_ns[options.out or "_"] = value


def _cell_failure(error: BaseException) -> BaseException:
    """What a failed cell raises: our one-line errors and interrupts as they are, any other exception as one line."""
    if isinstance(error, (ClaudeMagicError, KeyboardInterrupt)) or not isinstance(error, Exception):
        return error  # CallInterrupted is a KeyboardInterrupt
    from ..core.errors import one_line

    what = one_line(f"{type(error).__name__}: {error}", 160)
    return ClaudeMagicError(
        f"the cell stopped on an unexpected error ({what}); the chat is as it was; please report it"
    )


def _reason(failure: BaseException) -> str:
    if isinstance(failure, ClaudeMagicError):
        return failure.message
    return "interrupted" if isinstance(failure, KeyboardInterrupt) else type(failure).__name__


def _prompt(options: CellOptions, cell: str | None, namespace: dict[str, Any]) -> str:
    if cell is not None and options.text:
        raise UsageError(f"unexpected text on the %%claude line: {options.text!r}; put the prompt in the cell")
    prompt = (cell if cell is not None else options.text).strip()
    if not prompt and cell is None and options.attach:
        from .references import double_dash_line

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


def _load_order(name: str) -> int:
    # The model decides which other values are valid, and max_tokens bounds a thinking budget.
    return SETTING_NAMES.index(name) if name in SETTING_NAMES else len(SETTING_NAMES)


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


def _as_trait_error(func: Any, *args: Any) -> Any:
    try:
        return func(*args)
    except (SettingsError, PlatformError) as error:
        raise TraitError(error.message) from None
