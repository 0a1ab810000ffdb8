"""What a `%claude` subcommand is given: the `CommandHost` it may use, and the one parser its words go through.

Its own module so that `commands.py` (the registry) and `batch_command.py` (the batch subcommand,
which the registry imports lazily) share both without importing each other.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

if TYPE_CHECKING:
    from .._session import Session
    from .options import CellOptions

Flag = tuple[str, dict[str, Any]]  # add_argument's name and keywords


class CommandHost(Protocol):
    """What a subcommand may use of the magics that run it."""

    session: Session
    shell: Any  # the InteractiveShell (user_ns, and `kernel` inside a kernel)
    table_token_budget: int  # the most tokens an attached table may take (`-a df`)
    display: str  # auto | widget | html | markdown | text: auto and widget let progress bars be widgets
    context: str  # on | off: whether cells send the notebook context

    def ask(self, options: CellOptions, prompt: str, content: list[dict[str, Any]] | None = None) -> None:
        """Send `prompt` as a %%claude cell with `options` would."""

    def fix_last_error(self) -> None:
        """Send the kernel's last traceback and ask for an explanation and a fix."""

    def context_plan(self, chat: str, prompt: str = "") -> Any:
        """What the next %%claude of `chat` would add as notebook context (a ChatContext), or None when off."""

    def settings_panel(self) -> Any:
        """Live controls bound to the settings traits."""

    def config_rows(self) -> list[dict[str, Any]]:
        """One row per %config setting: name, value, help."""


class SubcommandParser(MagicArgumentParser):
    """IPython's magic parser for `%claude NAME ...`: every mistake is one UsageError that names the subcommand."""

    def __init__(self, name: str, *flags: Flag, hint: str = "") -> None:
        super().__init__(prog=f"%claude {name}", add_help=False)
        self.hint = hint  # said after "does not take ...": how to do what the user may have meant
        for flag, spec in flags:
            self.add_argument(flag, **spec)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def read(self, args: list[str]) -> argparse.Namespace:
        """The parsed words; a word no flag takes is one UsageError."""
        parsed, extra = self.parse_known_args(args)
        if extra:
            raise UsageError(f"{self.prog} does not take {' '.join(extra)!r}{self.hint}")
        return parsed
