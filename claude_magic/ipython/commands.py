"""The %claude subcommands: a registry of name -> handler, help, and did-you-mean for typos."""

from __future__ import annotations

import argparse
import difflib
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..core.errors import ClaudeMagicError
from ..core.models import REGISTRY, ModelInfo, lookup
from ..core.transcript import DEFAULT_CHAT, Chat
from .options import parse_options

if TYPE_CHECKING:
    from ..session import Session
    from ..ui.settings_panel import SettingsPanel
    from .magics import ClaudeMagics

Handler = Callable[["ClaudeMagics", list[str]], Any]

# One line each, shown by `%claude help`.
SUMMARIES = {
    "help": "list these subcommands",
    "settings": "live sliders and toggles bound to %config ClaudeMagics",
    "dashboard": "cache hit rate and cost per call",
    "usage": "the per-call usage DataFrame",
    "history": "[--chat NAME] the transcript DataFrame",
    "chats": "each chat with its turns, tokens and cost",
    "reset": "[--chat NAME | --all] forget a chat (default: the current one) or every chat",
    "undo": "[--chat NAME] drop the last exchange of the current chat",
    "retry": "[--chat NAME] re-send the last prompt of the current chat, replacing its reply",
    "models": "id, price, context and thinking modes of each model",
    "config": "the current settings as a table",
    "export": "PATH: save the transcript",
    "load": "PATH: load a saved transcript",
    "fix": "ask Claude to fix the last error",
}
HANDLERS: dict[str, Handler] = {}


class UnknownCommand(ClaudeMagicError):
    """A word that looks like a mistyped subcommand; nothing was sent."""


def command(name: str) -> Callable[[Handler], Handler]:
    """Register `func` as the handler of `%claude name`."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


def find_command(line: str) -> Callable[[ClaudeMagics], Any] | None:
    """The subcommand `line` runs, or None when the line is a prompt; a likely typo raises UnknownCommand."""
    words = line.split()
    if not words or words[0].startswith("-"):
        return None
    name = words[0]
    if name in SUMMARIES:
        args = _split(name, line.strip()[len(name) :])
        return lambda magics: _run(name, magics, args)
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
    close = difflib.get_close_matches(word.lower().rstrip("?"), SUMMARIES, n=1, cutoff=0.75)
    if close:
        raise UnknownCommand(
            f"unknown subcommand {word!r}: did you mean {close[0]}? Nothing was sent; "
            f"to send it as a prompt, write %claude -- {' '.join([word, *rest])}"
        )


def _run(name: str, magics: ClaudeMagics, args: list[str]) -> Any:
    return HANDLERS[name](magics, args)


def _parse(name: str, args: list[str], *flags: tuple[str, dict[str, Any]]) -> argparse.Namespace:
    parser = _Parser(prog=f"%claude {name}", add_help=False)
    for flag, spec in flags:
        parser.add_argument(flag, **spec)
    parsed, extra = parser.parse_known_args(args)
    if extra:
        raise UsageError(
            f"%claude {name} does not take {' '.join(extra)!r}; "
            f"to send a prompt that starts with {name!r}, write %claude -- {name} ..."
        )
    return parsed


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit
        raise UsageError(f"{self.prog}: {message}")


_CHAT = ("--chat", {"metavar": "NAME"})


def current_chat(session: Session, name: str | None = None) -> Chat:
    """The named chat, else the chat of the last call, else the default chat."""
    chosen = name or (session.last.chat if session.last else DEFAULT_CHAT)
    return session.transcript.chat(chosen)


# -- the subcommands ---------------------------------------------------------------------


@command("help")
def show_help(magics: ClaudeMagics, args: list[str]) -> None:
    _parse("help", args)
    width = max(len(name) for name in SUMMARIES)
    lines = [f"  %claude {name:<{width}}  {text}" for name, text in SUMMARIES.items() if name in HANDLERS]
    print("\n".join(["%claude subcommands:", *lines, _PROMPT_HELP]))


_PROMPT_HELP = (
    "Anything else is a one-line prompt with the %%claude options, e.g. %claude -m claude-haiku-5-5 What is 2**10?\n"
    "Use -- to send text that starts like a subcommand: %claude -- help me"
)


@command("settings")
def show_settings(magics: ClaudeMagics, args: list[str]) -> SettingsPanel:
    _parse("settings", args)
    return settings_panel_for(magics)


@command("usage")
def show_usage(magics: ClaudeMagics, args: list[str]) -> Any:
    _parse("usage", args)
    return magics.session.usage.to_dataframe()


@command("history")
def show_history(magics: ClaudeMagics, args: list[str]) -> Any:
    parsed = _parse("history", args, _CHAT)
    return magics.session.transcript.to_dataframe(parsed.chat)


@command("chats")
def show_chats(magics: ClaudeMagics, args: list[str]) -> Any:
    from ..export import chats_frame

    _parse("chats", args)
    return chats_frame(magics.session.transcript)


@command("reset")
def reset_chats(magics: ClaudeMagics, args: list[str]) -> None:
    parsed = _parse("reset", args, _CHAT, ("--all", {"action": "store_true"}))
    if parsed.all and parsed.chat:
        raise UsageError("%claude reset takes --chat NAME or --all, not both")
    transcript = magics.session.transcript
    if parsed.all:
        count = len(transcript.chats)
        transcript.reset()
        print(f"Forgot all {count} chat(s).")
        return
    chat = current_chat(magics.session, parsed.chat)
    transcript.reset(chat.name)
    print(f"Forgot chat {chat.name!r} ({len(chat.exchanges)} exchange(s)).")


@command("undo")
def undo_exchange(magics: ClaudeMagics, args: list[str]) -> None:
    chat = current_chat(magics.session, _parse("undo", args, _CHAT).chat)
    dropped = chat.undo()
    if dropped is None:
        print(f"Chat {chat.name!r} is empty: nothing to undo.")
    else:
        print(f"Dropped the last exchange of chat {chat.name!r}: {_preview(dropped.prompt)}")


@command("retry")
def retry_last(magics: ClaudeMagics, args: list[str]) -> None:
    chat = current_chat(magics.session, _parse("retry", args, _CHAT).chat)
    last = chat.undo()
    if last is None:
        raise UsageError(f"chat {chat.name!r} has no exchange to retry")
    options = parse_options(magics.claude, f"--chat {shlex.quote(chat.name)}")
    before = len(chat.exchanges)
    try:
        magics._ask(options, last.prompt, content=list(last.user_content[:-1]))
    finally:
        if len(chat.exchanges) == before:  # the retry failed: put the old exchange back
            chat.append(last)


@command("models")
def show_models(magics: ClaudeMagics, args: list[str]) -> Any:
    import pandas as pd

    _parse("models", args)
    rows = [_model_row(info) for info in available_models(magics.session)]
    return pd.DataFrame(rows)


@command("config")
def show_config(magics: ClaudeMagics, args: list[str]) -> Any:
    import pandas as pd

    _parse("config", args)
    traits = magics.traits(config=True)
    rows = [{"setting": name, "value": getattr(magics, name), "help": traits[name].help} for name in sorted(traits)]
    return pd.DataFrame(rows).set_index("setting")


# -- shared pieces ------------------------------------------------------------------------


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


def available_models(session: Session) -> list[ModelInfo]:
    """Models from `client.models.list()` when the API answers, else the registry."""
    try:
        client = session.client.with_options(timeout=5.0, max_retries=0)
        listed = list(client.models.list(limit=100))
    except Exception:  # no key, offline, or a client without the Models API: the registry will do
        return list(REGISTRY)
    return [_info_from_api(model) for model in listed] or list(REGISTRY)


def _info_from_api(model: Any) -> ModelInfo:
    known = lookup(model.id)
    if known is not None and known.id == model.id:
        return known
    types = getattr(getattr(getattr(model, "capabilities", None), "thinking", None), "types", None)
    modes = {name for name, mode in (types.to_dict() if types else {}).items() if mode.get("supported")}
    return ModelInfo(
        model.id,
        getattr(model, "display_name", model.id),
        known.prices if known else None,
        getattr(model, "max_input_tokens", None) or (known.context_window if known else 0),
        getattr(model, "max_tokens", None) or (known.max_output if known else 128_000),
        frozenset(modes) or (known.thinking_modes if known else frozenset()),
        known.thinks_by_default if known else False,
        known.min_cache_tokens if known else 0,
    )


def settings_panel_for(magics: ClaudeMagics) -> SettingsPanel:
    """A settings panel bound to `magics`; panels shown twice stay in sync through the traits."""
    from ..ui.settings_panel import SettingsPanel

    session = magics.session
    return SettingsPanel(
        magics,
        available_models(session),
        cache_in_use=lambda: any(chat.exchanges for chat in session.transcript.chats.values()),
    )


def settings_panel() -> SettingsPanel:
    """The settings panel of the running IPython's %load_ext claude_magic."""
    from IPython import get_ipython

    shell = get_ipython()
    magics = shell.magics_manager.registry.get("ClaudeMagics") if shell else None
    if magics is None:
        raise ClaudeMagicError("claude_magic is not loaded: run %load_ext claude_magic first")
    return settings_panel_for(magics)


_PATH = ("path", {"metavar": "PATH"})


@command("dashboard")
def show_dashboard(magics: ClaudeMagics, args: list[str]) -> None:
    from ..ui.dashboard import show_dashboard as show

    _parse("dashboard", args)
    show(magics.session.usage)


@command("export")
def export_transcript(magics: ClaudeMagics, args: list[str]) -> None:
    parsed = _parse("export", args, _PATH, _CHAT)
    path = magics.session.transcript.export(parsed.path, parsed.chat)
    print(f"claude_magic: wrote {path}")


@command("load")
def load_transcript(magics: ClaudeMagics, args: list[str]) -> None:
    parsed = _parse("load", args, _PATH)
    names = magics.session.transcript.load(parsed.path)
    print(f"claude_magic: loaded chat(s) {', '.join(names)} from {parsed.path}")


@command("fix")
def fix_last_error(magics: ClaudeMagics, args: list[str]) -> None:
    _parse("fix", args)
    magics.fix_last_error()
