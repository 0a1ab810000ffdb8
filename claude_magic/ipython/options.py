"""The %%claude option line: its options (what `%%claude?` shows), their parser and a frozen parse."""

from __future__ import annotations

import argparse
import functools
import json
import keyword
import math
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from ..core.errors import SettingsError
from ..core.models import EFFORTS
from ..core.settings import (
    CACHE_POLICIES,
    SETTING_NAMES,
    check_headers,
    check_table_budget,
    lone_surrogate,
    parse_thinking,
    parse_whole,
)
from ..core.transcript import DEFAULT_CHAT

if TYPE_CHECKING:
    from .._planning import RequestOptions

FORMATS = ("markdown", "text", "code", "json")


def whole_number(text: str) -> int:
    """An argparse type: a whole number in ASCII digits (int() would also take '２' and '1_0')."""
    number = parse_whole(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"must be a whole number in digits 0-9, not {text!r}")
    return number


def usd_amount(text: str) -> float:
    """An argparse type: a positive, finite number of USD such as 0.50 (a leading $ is allowed)."""
    try:
        amount = float(text.strip().removeprefix("$"))
    except ValueError:
        amount = -1.0
    if not math.isfinite(amount) or amount <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of USD such as 0.50, not {text!r}")
    return amount


_ARGUMENTS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("-m", "--model"), {"help": "model id, e.g. claude-sonnet-5-5 (default: %%config ClaudeMagics.model)"}),
    (("--max-tokens",), {"type": whole_number, "metavar": "N", "help": "maximum output tokens"}),
    (("--effort",), {"choices": EFFORTS, "help": "how much effort the model spends"}),
    (
        ("--thinking",),
        {"metavar": "{auto,off,adaptive,N}", "help": "thinking mode, or N budget tokens where the model accepts one"},
    ),
    (("--show-thinking",), {"action": "store_true", "default": None, "help": "ask for summarised thinking text"}),
    (
        ("--cache",),
        {"choices": CACHE_POLICIES, "help": "prompt caching: auto (5-minute breakpoints), off, 5m or 1h"},
    ),
    (("-s", "--system"), {"metavar": "TEXT", "help": "system prompt for this call"}),
    (
        ("--compact-at",),
        {"type": whole_number, "metavar": "TOKENS", "help": "let the API compact the context past TOKENS input tokens"},
    ),
    (
        ("--max-cost",),
        {"type": usd_amount, "metavar": "USD", "help": "refuse any request of this cell that could cost more"},
    ),
    (("--chat",), {"default": DEFAULT_CHAT, "metavar": "NAME", "help": "named chat to continue (default: default)"}),
    (("--new",), {"action": "store_true", "help": "start the chat afresh"}),
    (("--no-history",), {"action": "store_true", "help": "one-shot: send no history and record nothing"}),
    (("-o", "--out"), {"metavar": "NAME", "help": "bind the Reply to NAME in the user namespace"}),
    (("--no-stream",), {"action": "store_true", "help": "render once at the end instead of streaming"}),
    (
        ("-f", "--format"),
        {
            "choices": FORMATS,
            "default": "markdown",
            "help": "markdown, plain text, code into a new cell below, or json parsed into -o (or _)",
        },
    ),
    (
        ("--param",),
        {
            "action": "append",
            "metavar": "KEY=JSON",
            "help": 'an extra request field sent unchanged, e.g. --param \'metadata={"user_id": "u1"}\' (repeatable)',
        },
    ),
    (
        ("--header",),
        {"action": "append", "metavar": "NAME=VALUE", "help": "an extra HTTP header for this cell (repeatable)"},
    ),
    (
        ("-a", "--attach"),
        {
            "nargs": "+",
            "action": "extend",
            "default": [],
            "metavar": "NAME",
            "help": "variables, files or https URLs to send (df:full = CSV); repeatable",
        },
    ),
    (("--cite",), {"action": "store_true", "help": "enable citations on every attached document"}),
    (
        ("--no-context",),
        {"action": "store_true", "help": "send no notebook context with this cell (%%claude context shows it)"},
    ),
    (
        ("--context",),
        {"action": "store_true", "help": "send the notebook context even when ClaudeMagics.context is off"},
    ),
    (
        ("--tools",),
        {
            "nargs": "+",
            "action": "extend",
            "default": [],
            "metavar": "NAME",
            "help": "functions in the notebook Claude may call (schema from signature and docstring)",
        },
    ),
    (
        ("--mcp",),
        {
            "nargs": "+",
            "action": "extend",
            "default": [],
            "metavar": "SERVER",
            "help": "add the tools of these MCP servers (%%config ClaudeMagics.mcp_servers)",
        },
    ),
    (
        ("--max-tool-rounds",),
        {
            "type": whole_number,
            "metavar": "N",
            "help": "most tool rounds before the loop stops, 1 or more (default: ClaudeMagics.max_tool_rounds)",
        },
    ),
    (("--parallel-tools",), {"action": "store_true", "help": "run one turn's tool calls at once, on threads"}),
    (("--confirm",), {"action": "store_true", "help": "ask before each tool call (Approve / Deny)"}),
    (
        ("--agent",),
        {"action": "store_true", "help": "let Claude run Python in this kernel, asking before each call"},
    ),
    (("--yes",), {"action": "store_true", "help": "with --agent: approve every call of this cell without asking"}),
    (
        ("--web-search",),
        {
            "nargs": "?",
            "const": 0,
            "type": whole_number,
            "metavar": "MAX_USES",
            "help": "let Claude search the web (server tool, billed per search); optional most searches",
        },
    ),
    (("--web-fetch",), {"action": "store_true", "help": "let Claude fetch web pages (server tool)"}),
    (
        ("--schema",),
        {"metavar": "NAME", "help": "with -f json: a pydantic model, dataclass, TypedDict or JSON schema dict"},
    ),
    (("--as-frame",), {"action": "store_true", "help": "with -f json and a list schema: bind a DataFrame"}),
    (
        ("--table-budget",),
        {"type": whole_number, "metavar": "N", "help": "tokens per DataFrame summary, 1 or more (default: 4000)"},
    ),
    (("text",), {"nargs": "*", "help": "(%%claude only) a one-line prompt; use -- before text that starts with -"}),
)


@functools.cache
def parser(description: str = "") -> MagicArgumentParser:
    """The parser of a %%claude line (IPython's: a bad option is a one-line UsageError), built on first use."""
    built = MagicArgumentParser(prog="claude", description=description)
    for flags, spec in _ARGUMENTS:
        built.add_argument(*flags, **spec)
    return built


@dataclass(frozen=True)
class CellOptions:
    """The parsed %%claude line."""

    chat: str
    new: bool
    no_history: bool
    out: str | None
    no_stream: bool
    format: str
    text: str
    overrides: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # values may be secrets: never shown
    attach: tuple[str, ...] = ()
    cite: bool = False
    table_budget: int | None = None
    tools: tuple[str, ...] = ()
    mcp: tuple[str, ...] = ()
    max_tool_rounds: int | None = None
    parallel_tools: bool = False
    confirm: bool = False
    web_search: int | None = None  # 0: on, no limit on searches
    web_fetch: bool = False
    schema: str | None = None
    as_frame: bool = False
    max_cost: float | None = None  # USD
    context: bool | None = None  # --context (True) / --no-context (False); None: ClaudeMagics.context says
    agent: bool = False
    yes: bool = False  # --agent only: every call of this cell approved without asking

    @property
    def uses_tools(self) -> bool:
        """True when the cell hands Claude any tool."""
        return bool(self.tools or self.mcp or self.web_search is not None or self.web_fetch or self.agent)

    def request(self, **built: Any) -> RequestOptions:
        """The cell's request options; `built` is what the magic made of the rest: content, attachments, tools, body."""
        from .._planning import RequestOptions

        return RequestOptions(
            chat=self.chat,
            history=not self.no_history,
            new=self.new,
            extra_body=self.params or None,
            overrides=self.overrides,
            headers=self.headers,
            max_cost=self.max_cost,
            **built,
        )


def parse_options(line: str) -> CellOptions:
    """Parse a %%claude line; bad options raise UsageError (one line)."""
    args = parser().parse_args(_split(line))
    # Settings without an option (user_id, betas) are %config only.
    overrides = {name: getattr(args, name) for name in SETTING_NAMES if getattr(args, name, None) is not None}
    if "thinking" in overrides:
        overrides["thinking"] = parse_thinking(overrides["thinking"])
    if args.table_budget is not None:
        check_table_budget(args.table_budget)
    _check_tool_options(args)
    return CellOptions(
        chat=_chat_name(args.chat),
        new=args.new,
        no_history=args.no_history,
        out=None if args.out is None else out_name(args.out),
        no_stream=args.no_stream,
        format=args.format,
        text=" ".join(args.text),
        overrides=overrides,
        params=parse_params(args.param or []),
        headers=parse_headers(args.header or []),
        attach=tuple(args.attach),
        cite=args.cite,
        table_budget=args.table_budget,
        tools=tuple(args.tools),
        mcp=tuple(args.mcp),
        max_tool_rounds=args.max_tool_rounds,
        parallel_tools=args.parallel_tools,
        confirm=args.confirm,
        web_search=args.web_search,
        web_fetch=args.web_fetch,
        schema=args.schema,
        as_frame=args.as_frame,
        max_cost=args.max_cost,
        context=_context_option(args),
        agent=args.agent,
        yes=args.yes,
    )


def _context_option(args: argparse.Namespace) -> bool | None:
    if args.context and args.no_context:
        raise UsageError("--context and --no-context contradict each other: keep one")
    return True if args.context else False if args.no_context else None


def _check_tool_options(args: argparse.Namespace) -> None:
    """Options that only make sense together; each mistake is one line and nothing is sent."""
    if (args.schema or args.as_frame) and args.format != "json":
        raise UsageError("--schema and --as-frame shape a JSON reply: add -f json")
    if args.as_frame and not args.schema:
        raise UsageError("--as-frame needs --schema NAME with a list of records, e.g. --schema Row")
    if args.format == "json" and args.cite:
        raise UsageError("-f json cannot be combined with --cite: the API does not cite in structured output")
    tools = args.tools or args.mcp or args.web_search is not None or args.web_fetch or args.agent
    if (args.confirm or args.parallel_tools or args.max_tool_rounds is not None) and not tools:
        raise UsageError(
            "--confirm, --parallel-tools and --max-tool-rounds need tools: add --tools NAME, --mcp NAME or --agent"
        )
    _check_agent_options(args)
    if args.max_tool_rounds is not None and args.max_tool_rounds < 1:
        raise UsageError(rounds_problem("--max-tool-rounds", args.max_tool_rounds))


def _check_agent_options(args: argparse.Namespace) -> None:
    if args.yes and not args.agent:
        raise UsageError("--yes approves the calls of --agent: add --agent, or leave out --yes")
    if args.agent and args.parallel_tools:
        raise UsageError("--agent runs code on the kernel's main thread, a call at a time: leave out --parallel-tools")
    if args.agent and args.format == "code":
        # a kernel keeps one next-cell payload per reply: -f code's would replace the code that ran
        raise UsageError("--agent puts the code that ran in the next cell; -f code would replace it: leave out -f code")


def rounds_problem(name: str, rounds: int) -> str:
    """One line refusing a round limit below 1: 0 would offer tools and never run one, so it is refused too."""
    return (
        f"{name} must be 1 or more, not {rounds}: it counts the rounds of tool calls a cell runs; "
        "to run no tool, leave out --tools"
    )


# Names IPython's machinery lives under in user_ns; binding a reply there breaks later cells.
RESERVED_NAMES = ("In", "Out", "exit", "quit", "get_ipython")


def out_name(name: str) -> str:
    """The user_ns name `-o name` binds: NFKC-normalised as Python reads identifiers, else a one-line UsageError."""
    normal = unicodedata.normalize("NFKC", name)
    if not normal.isidentifier() or keyword.iskeyword(normal) or normal.startswith("_") or normal in RESERVED_NAMES:
        raise UsageError(
            f"-o wants a Python variable name such as -o answer, not {name!r}: not a keyword, "
            f"not starting with _, and not one of {', '.join(RESERVED_NAMES)}"
        )
    return normal


def _chat_name(name: str) -> str:
    if not name.strip():
        raise UsageError(f"--chat wants a chat name such as --chat draft, not {name!r}")
    return name


# Fields the request builder owns: set them with their own options, not --param.
_OWNED_FIELDS = {
    "model": "-m",
    "max_tokens": "--max-tokens",
    "system": "-s",
    "thinking": "--thinking",
    "output_config": "--effort",
    "messages": "the cell",
    "stream": "--no-stream (replies always stream)",
    "context_management": "--compact-at",
}
# Messages API request fields are lowercase snake_case.
_FIELD = re.compile(r"[a-z][a-z0-9_]*")


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`KEY=JSON` pairs -> an `extra_body` dict; a bad pair is a one-line UsageError."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = _param_key(pair, key, sep)
        params[key] = _json_value(key, raw)
    return params


def parse_headers(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs -> extra HTTP headers; a bad pair is a one-line UsageError that never shows the value."""
    headers: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError("--header wants NAME=VALUE, e.g. --header X-Team=research")
        headers[name.strip()] = value
    try:
        return check_headers(headers)
    except SettingsError as error:
        raise UsageError(f"--header: {error.message}") from None


def _param_key(pair: str, key: str, sep: str) -> str:
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"--param wants KEY=JSON, not {pair!r}")
    if not _FIELD.fullmatch(key):
        raise UsageError(f"--param {key!r}: request fields are lowercase snake_case names, such as metadata")
    if key in _OWNED_FIELDS:
        raise UsageError(f"--param {key} is built by claude_magic; use {_OWNED_FIELDS[key]} instead")
    return key


def _json_value(key: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(f"--param {key}: {raw!r} is not JSON ({error.msg}); quote strings as '\"text\"'") from None


def _split(line: str) -> list[str]:
    surrogate = lone_surrogate(line)
    if surrogate:
        raise UsageError(f"the %%claude line contains {surrogate}, a lone surrogate that cannot be sent; retype it")
    # IPython's parse_argstring splits with posix=False and so keeps quotes: -s 'Be terse.'
    try:
        return shlex.split(line)
    except ValueError as error:
        raise UsageError(f"could not read the %%claude line: {error}") from None
