"""The %claude subcommands: a registry of name -> handler, help, and did-you-mean for typos."""

from __future__ import annotations

import argparse
import difflib
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..core.context import is_context_block
from ..core.errors import ClaudeMagicError
from ..core.models import ModelInfo
from ..core.transcript import DEFAULT_CHAT, Chat
from .options import parse_options
from .subcommand import CommandHost, Flag, SubcommandParser

if TYPE_CHECKING:
    from .._session import Session


Handler = Callable[[CommandHost, list[str]], Any]


@dataclass(frozen=True)
class Command:
    """A subcommand: its handler and the one line `%claude help` shows for it."""

    handler: Handler
    summary: str


COMMANDS: dict[str, Command] = {}


def command(name: str, summary: str) -> Callable[[Handler], Handler]:
    """Register `func` as the handler of `%claude name`, with its one-line help."""

    def register(func: Handler) -> Handler:
        COMMANDS[name] = Command(func, summary)
        return func

    return register


class UnknownCommand(ClaudeMagicError):
    """A word that looks like a mistyped subcommand; nothing was sent."""


def find_command(line: str) -> Callable[[CommandHost], Any] | None:
    """The subcommand `line` runs, or None when the line is a prompt; a likely typo raises UnknownCommand."""
    words = line.split()
    if not words or words[0].startswith("-"):
        return None
    name = words[0]
    if name in COMMANDS:
        args = _split(name, line.strip()[len(name) :])
        return lambda host: COMMANDS[name].handler(host, args)
    _reject_typo(name, words[1:])
    return None


def _split(name: str, text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as error:
        raise UsageError(f"could not read %claude {name}: {error}") from None


def _reject_typo(word: str, rest: list[str]) -> None:
    # A short line led by a near-miss ("dashbord", "reste --all") is a typo; a longer one is a prompt.
    if len([w for w in rest if not w.startswith("-")]) > 1:
        return
    close = difflib.get_close_matches(word.lower().rstrip("?"), COMMANDS, n=1, cutoff=0.75)
    if close:
        raise UnknownCommand(
            f"unknown subcommand {word!r}: did you mean {close[0]}? Nothing was sent; "
            f"to send it as a prompt, write %claude -- {' '.join([word, *rest])}"
        )


def _parse(name: str, args: list[str], *flags: Flag) -> argparse.Namespace:
    hint = f"; to send a prompt that starts with {name!r}, write %claude -- {name} ..."
    return SubcommandParser(name, *flags, hint=hint).read(args)


_CHAT: Flag = ("--chat", {"metavar": "NAME"})


def current_chat(session: Session, name: str | None = None, *, create: bool = True) -> Chat:
    """The named chat, else the chat of the last call, else the default chat (with `create`, kept from now on)."""
    chosen = name or (session.last.chat if session.last else DEFAULT_CHAT)
    if not create:
        return session.transcript.chats.get(chosen) or Chat(chosen)
    return session.transcript.chat(chosen)


# -- the subcommands, in the order `%claude help` lists them --------------------------------


@command("help", "list these subcommands")
def show_help(host: CommandHost, args: list[str]) -> None:
    _parse("help", args)
    width = max(len(name) for name in COMMANDS)
    lines = [f"  %claude {name:<{width}}  {entry.summary}" for name, entry in COMMANDS.items()]
    print("\n".join(["%claude subcommands:", *lines, _PROMPT_HELP]))


_PROMPT_HELP = (
    "Anything else is a one-line prompt with the %%claude options, e.g. %claude -m claude-haiku-5-5 What is 2**10?\n"
    "Use -- to send text that starts like a subcommand: %claude -- help me"
)


@command("settings", "live sliders and toggles bound to %config ClaudeMagics")
def show_settings(host: CommandHost, args: list[str]) -> Any:
    _parse("settings", args)
    return host.settings_panel()


@command("dashboard", "cache hit rate and cost per call")
def show_dashboard(host: CommandHost, args: list[str]) -> None:
    from ..ui.dashboard import show_dashboard as show

    _parse("dashboard", args)
    show(host.session.usage)


@command("usage", "spend so far (and budget left) and usage by chat and model; .frame is the per-call DataFrame")
def show_usage(host: CommandHost, args: list[str]) -> Any:
    _parse("usage", args)
    return host.session.usage.summary(host.session.spend_line())


@command("history", "[--chat NAME] the transcript DataFrame")
def show_history(host: CommandHost, args: list[str]) -> Any:
    parsed = _parse("history", args, _CHAT)
    return host.session.transcript.to_dataframe(parsed.chat)


@command("chats", "each chat with its turns, tokens and cost")
def show_chats(host: CommandHost, args: list[str]) -> Any:
    from .._transcripts.frames import chats_frame

    _parse("chats", args)
    return chats_frame(host.session.transcript)


@command("context", "[--chat NAME] [TEXT] what the next %%claude of the chat would add: its notebook context")
def show_context(host: CommandHost, args: list[str]) -> None:
    parsed = _parse("context", args, _CHAT, ("text", {"nargs": "*", "metavar": "TEXT"}))
    chat = current_chat(host.session, parsed.chat, create=False)
    plan = host.context_plan(chat.name, " ".join(parsed.text))
    if plan is not None:
        print(plan.preview())
    elif host.context == "off":
        print("claude_magic: notebook context is off (ClaudeMagics.context); --context sends it for one cell")
    else:
        print("claude_magic: no notebook context here: it is gathered in a shell where %load_ext claude_magic ran")


@command("reset", "[--chat NAME | --all] forget a chat (default: the current one) or every chat")
def reset_chats(host: CommandHost, args: list[str]) -> None:
    parsed = _parse("reset", args, _CHAT, ("--all", {"action": "store_true"}))
    if parsed.all and parsed.chat:
        raise UsageError("%claude reset takes --chat NAME or --all, not both")
    transcript = host.session.transcript
    if parsed.all:
        count = len(transcript.chats)
        transcript.reset()
        print(f"Forgot all {count} chat(s).")
        return
    chat = current_chat(host.session, parsed.chat)
    transcript.reset(chat.name)
    print(f"Forgot chat {chat.name!r} ({len(chat.exchanges)} exchange(s)).")


@command("undo", "[--chat NAME] drop the last exchange of the current chat")
def undo_exchange(host: CommandHost, args: list[str]) -> None:
    chat = current_chat(host.session, _parse("undo", args, _CHAT).chat)
    dropped = chat.undo()
    if dropped is None:
        print(f"Chat {chat.name!r} is empty: nothing to undo.")
    else:
        print(f"Dropped the last exchange of chat {chat.name!r}: {_preview(dropped.prompt)}")


@command("retry", "[--chat NAME] re-send the last prompt of the current chat, replacing its reply")
def retry_last(host: CommandHost, args: list[str]) -> None:
    chat = current_chat(host.session, _parse("retry", args, _CHAT).chat)
    last = chat.undo()
    if last is None:
        raise UsageError(f"chat {chat.name!r} has no exchange to retry")
    options = parse_options(f"--chat {shlex.quote(chat.name)}")
    before = len(chat.exchanges)
    content = [block for block in last.user_content[:-1] if not is_context_block(block)]  # the context is rebuilt
    try:
        host.ask(options, last.prompt, content=content)
    finally:
        if len(chat.exchanges) == before:  # the retry failed: put the old exchange back
            chat.append(last)


@command("models", "id, price, context and thinking modes of each model")
def show_models(host: CommandHost, args: list[str]) -> Any:
    import pandas as pd

    _parse("models", args)
    platform_ids = host.session.connection.platform_ids()
    rows = [_model_row(info) for info in host.session.connection.models()]
    for row in rows if platform_ids else []:
        row["platform_id"] = platform_ids.get(row["id"])
    return pd.DataFrame(rows)


@command("config", "the current settings as a table")
def show_config(host: CommandHost, args: list[str]) -> Any:
    import pandas as pd

    _parse("config", args)
    return pd.DataFrame(host.config_rows()).set_index("setting")


_PATH: Flag = ("path", {"metavar": "PATH"})


@command("export", "PATH: save the transcript")
def export_transcript(host: CommandHost, args: list[str]) -> None:
    parsed = _parse("export", args, _PATH, _CHAT)
    path = host.session.transcript.export(parsed.path, parsed.chat)
    print(f"claude_magic: wrote {path}")


@command("load", "PATH: load a saved transcript")
def load_transcript(host: CommandHost, args: list[str]) -> None:
    parsed = _parse("load", args, _PATH)
    names = host.session.transcript.load(parsed.path)
    print(f"claude_magic: loaded chat(s) {', '.join(names)} from {parsed.path}")


@command("fix", "ask Claude to fix the last error")
def fix_last_error(host: CommandHost, args: list[str]) -> None:
    _parse("fix", args)
    host.fix_last_error()


@command(
    "batch",
    'FRAME --prompt "...{{row.col}}" --out COL [--sync] [--overwrite] | list | status | cancel | retry | resume '
    "| wait [ID]",
)
def run_batch(host: CommandHost, args: list[str]) -> Any:
    from .batch_command import run_batch as run

    return run(host, args)


@command("audit", "[PATH] [--check-replay RECORDING] cost per cell of the saved notebook (default: this one)")
def audit_notebook(host: CommandHost, args: list[str]) -> None:
    from ..audit import ReplayIncomplete, report

    parsed = _parse("audit", args, ("path", {"metavar": "PATH", "nargs": "?"}), ("--check-replay", {"metavar": "R"}))
    path = parsed.path or notebook_path(host.shell.user_ns)
    if path is None:
        raise UsageError("%claude audit: this kernel does not know its notebook's file; write %claude audit PATH")
    text, missing = report(path, parsed.check_replay)
    print(f"claude_magic: audit of the saved file {path} (save the notebook first: unsaved outputs are not in it)")
    print(text)
    if missing:
        raise ReplayIncomplete(f"{'; '.join(missing)}; in {parsed.check_replay}: re-record those cells")
    if parsed.check_replay:
        print(f"claude_magic: every request is in {parsed.check_replay}: the notebook reruns from it for $0")


@command("trust", "[--revoke] apply this project's pyproject.toml settings that need consent, and remember it")
def trust_project(host: CommandHost, args: list[str]) -> None:
    from pathlib import Path

    from .project_trust import revoke, trust

    parsed = _parse("trust", args, ("--revoke", {"action": "store_true"}))
    if parsed.revoke:
        print(revoke(Path.cwd()))
        return
    print("\n".join(trust(host, Path.cwd(), skip=set(host.shell.config.get("ClaudeMagics", {})))))  # type: ignore[arg-type]


def notebook_path(namespace: dict[str, Any]) -> str | None:
    """The notebook file the kernel runs, when its frontend says (Jupyter Server 2: `__session__`; VS Code)."""
    import os

    told = (namespace.get("__session__"), namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME"))
    for candidate in told:
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            # An API path relative to the server's root: the kernel runs in the notebook's folder.
            here = os.path.basename(candidate)
            return here if not os.path.exists(candidate) and os.path.exists(here) else candidate
    return None


# -- shared pieces ------------------------------------------------------------------------


@command("why", "[--chat NAME] why the last request of the chat missed the prompt cache, in one sentence")
def explain_cache_miss(host: CommandHost, args: list[str]) -> None:
    from ..core.caching import LastRequest, explain_miss
    from ..core.models import lookup

    parsed = _parse("why", args, _CHAT)
    chat = current_chat(host.session, parsed.chat)
    if not chat.exchanges:
        print(f"claude_magic: chat {chat.name!r} has no replies yet; nothing to explain")
        return
    reply = chat.exchanges[-1].reply
    info = lookup(reply.model)
    usage = reply.usage
    last = LastRequest(
        chat=chat.name,
        reason=reply.cache_miss_reason,
        read=usage.cache_read_input_tokens,
        written=usage.cache_creation_input_tokens,
        total=usage.total_input_tokens,
        plan=chat.cache_plan,
        min_tokens=info.min_cache_tokens if info else 1024,
        breaks=chat.cache_breaks,
    )
    print(explain_miss(last))


@command("mcp", "list | stop NAME | stop --all: the MCP servers cells started")
def manage_mcp(host: CommandHost, args: list[str]) -> None:
    parsed = _parse(
        "mcp",
        args,
        ("action", {"choices": ("list", "stop"), "nargs": "?", "default": "list"}),
        ("name", {"nargs": "?"}),
        ("--all", {"action": "store_true"}),
    )
    running = host.session.mcp.running() if host.session.mcp_started else []
    if parsed.action == "list":
        print("claude_magic: MCP servers running: " + (", ".join(running) if running else "none"))
        return
    if parsed.all:
        if running:
            host.session.mcp.stop_all()
        print("claude_magic: stopped every MCP server")
        return
    if not parsed.name:
        raise UsageError("%claude mcp stop takes a server name (or --all)")
    if parsed.name not in running:
        raise UsageError(f"no MCP server {parsed.name!r} is running (running: {', '.join(running) or 'none'})")
    host.session.mcp.stop(parsed.name)
    print(f"claude_magic: stopped MCP server {parsed.name!r}")


def _preview(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


def _model_row(info: ModelInfo) -> dict[str, Any]:
    prices = info.prices
    return {
        "id": info.id,
        "name": info.name,
        "input_usd_per_mtok": prices.input if prices else None,
        "output_usd_per_mtok": prices.output if prices else None,
        "cache_read_usd_per_mtok": prices.cache_read if prices else None,
        "context_window": info.context_window,
        "max_output": info.max_output,
        "thinking_modes": ", ".join(sorted(info.thinking_modes)),
        "status": info.status,
    }
