"""`%claude batch`: a DataFrame's rows as a Message Batch (or --sync), and the jobs' list, status, cancel, retry, wait.

    %claude batch FRAME --prompt "... {{row.col}} ..." --out COL [--schema NAME] [-a NAME ...] [--sync] [--overwrite]
    %claude batch list | status [ID] | cancel [ID] | retry [ID] | resume [ID] | wait [ID]

Without ID, the actions take the latest batch saved in this directory.

This module parses the line and gives the batch runner (claude_magic/batches/runner.py, which does
the work and makes every API call) what it needs of the shell: its names, `-a` attachments, printed
lines, progress bars, and the kernel's main thread. The cell returns once the batch is submitted; a
progress bar follows it from a background thread that only moves the bar. In a kernel, when the
batch ends the join runs on the kernel's event loop, between cells: FRAME gets its columns (see
claude_magic/batches/join.py) without another cell. Elsewhere (a terminal IPython), `wait ID` (or
`--wait`) blocks until it ended and joins; `resume ID` does the same after a kernel restart from
`.claude_magic/batches/ID.json`. Both say so and do nothing when the batch is already joined.
`--sync` sends the rows through the normal endpoint concurrently and joins before the cell returns.
No cloud platform has Message Batches: there a batch line without `--sync` is one line, nothing sent.
`--out` replacing columns that hold data is said before sending; replacing a column the prompt reads
needs `--overwrite`. Every failure or interrupt of a batch line is one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..batches.runner import ACTIONS, BatchRunner
from ..batches.start import BatchSpec
from ..core.errors import CallInterrupted, ClaudeMagicError
from .subcommand import CommandHost, Flag, SubcommandParser

if TYPE_CHECKING:
    from ..batches.host import Bar

INTERRUPTED = (
    "the batch line was interrupted; nothing more was sent. A batch already submitted runs on: "
    "%claude batch list shows it."
)


def run_batch(host: CommandHost, args: list[str]) -> Any:
    """The `%claude batch` handler (registered in commands.py); any failure is one line."""
    runner = runner_for(host)
    try:
        if args and args[0] in ACTIONS:
            parsed = _action_args(args)
            return runner.act(args[0], getattr(parsed, "id", None), wait=getattr(parsed, "wait", False))
        return runner.start(_parse_new(args))
    except (ClaudeMagicError, UsageError, CallInterrupted):
        raise
    except KeyboardInterrupt:
        raise CallInterrupted(None, INTERRUPTED) from None
    except Exception as error:  # an SDK failure, or anything unforeseen: one line, never a traceback
        raise runner.failure(error) from None


def runner_for(host: CommandHost) -> BatchRunner:
    """The batch runner of `host`'s session, speaking through its shell; jobs are saved under the cwd."""
    return BatchRunner(host.session, ShellBatchHost(host))


def _parse_new(args: list[str]) -> BatchSpec:
    parsed = _new_parser().read(args)
    if parsed.concurrency is not None and not parsed.sync:
        raise UsageError("--concurrency goes with --sync; a Message Batch runs its rows itself")
    if parsed.concurrency is not None and parsed.concurrency < 1:
        raise UsageError(f"--concurrency must be 1 or more, not {parsed.concurrency}; nothing was sent")
    if not parsed.out.isidentifier():
        raise UsageError(f"--out must be a column name like sentiment, not {parsed.out!r}")
    return BatchSpec(**{**vars(parsed), "attach": tuple(parsed.attach)})


def _new_parser() -> SubcommandParser:
    parser = SubcommandParser("batch")
    parser.add_argument("frame", metavar="FRAME")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--schema")
    parser.add_argument("-m", "--model")
    parser.add_argument("--max-tokens", type=int)
    parser.add_argument("--system")
    parser.add_argument("-a", "--attach", nargs="+", default=[])
    parser.add_argument("--sync", action="store_true")
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--max-cost", type=float)
    parser.add_argument("--overwrite", action="store_true")
    return parser


def _action_args(args: list[str]) -> argparse.Namespace:
    flags: list[Flag] = [] if args[0] == "list" else [("id", {"metavar": "ID", "nargs": "?"})]
    if args[0] == "retry":
        flags.append(("--wait", {"action": "store_true"}))
    return SubcommandParser(f"batch {args[0]}", *flags).read(args[1:])


class ShellBatchHost:
    """What the batch runner needs of an IPython shell (batches.host.BatchHost)."""

    def __init__(self, host: CommandHost) -> None:
        self.host = host
        self.namespace: dict[str, Any] = host.shell.user_ns

    def say(self, line: str) -> None:
        print(f"claude_magic: {line}")

    def bar(self, total: int, title: str) -> Bar:
        """A widget bar in a kernel whose display allows widgets and that has ipywidgets; else tqdm."""
        from importlib.util import find_spec

        from ..ui.progress import progress_bar

        widgets = getattr(self.host.shell, "kernel", None) is not None and self.host.display in ("auto", "widget")
        return progress_bar(total, title, widgets=widgets and find_spec("ipywidgets") is not None)

    def attach(self, names: list[str], model: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from .namespace import build_content

        return build_content(names, self.namespace, model=model, table_budget=self.host.table_token_budget)

    def main_thread(self) -> Callable[[Callable[[], None]], None] | None:
        return main_thread_scheduler(self.host.shell)


def main_thread_scheduler(shell: Any) -> Callable[[Callable[[], None]], None] | None:
    """The kernel's thread-safe `add_callback` (runs on its main thread, between cells); None outside a kernel.

    ipykernel 6 and 7 keep the main thread's tornado IOLoop as `kernel.io_loop` once started; its
    `add_callback` is safe to call from any thread (asyncio's `call_soon_threadsafe` underneath).
    """
    io_loop = getattr(getattr(shell, "kernel", None), "io_loop", None)
    add_callback = getattr(io_loop, "add_callback", None)
    return add_callback if callable(add_callback) else None
