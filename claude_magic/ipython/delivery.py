"""Delivering a cell's result: its value to `-o` (or `_`), `-f code` as the next cell, its ledger rows as provenance.

A reply view settles with the provenance of the calls its cell made; rows no view carried (a
subcommand's batch join, `--sync` rows) get an output of their own, so a saved notebook keeps
every paid call. A failure of the cell is one line, whatever raised it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..core.errors import ClaudeMagicError, StructuredOutputError

if TYPE_CHECKING:
    from .options import CellOptions


class Provenance:
    """Which of the ledger's rows some output carries in its metadata (core/provenance.py)."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self.carried = 0  # rows up to here are carried by some output's metadata

    def take(self, since: int) -> dict[str, Any]:
        """The output metadata of the rows made after the first `since`; they count as carried from now on."""
        from ..core.provenance import call_provenance, output_metadata

        made = self.ledger.records[since:]
        self.carried = len(self.ledger)
        return output_metadata([call_provenance(record) for record in made]) if made else {}

    @contextmanager
    def shown_after(self, *, rich: bool) -> Iterator[None]:
        """Rows the block made that no view carried get one output with their metadata (in a kernel)."""
        made = self.carried = len(self.ledger)
        try:
            yield
        finally:
            self._show(self.take(max(made, self.carried)), rich=rich)

    @staticmethod
    def _show(metadata: dict[str, Any], *, rich: bool) -> None:
        if not metadata or not rich:
            return
        from IPython.display import display

        from ..core.provenance import METADATA_KEY
        from ..core.usage import format_cost

        kept = metadata[METADATA_KEY]
        line = f"claude_magic: {len(kept['calls'])} ledger row(s), {format_cost(kept['cost_usd'])}"
        display({"text/plain": line}, raw=True, metadata=metadata)


def deliver(shell: Any, options: CellOptions, reply: Any, shape: Any = None) -> None:
    """Bind the reply (or, with -f json, its parsed value) and put -f code's code in the next cell."""
    if options.format == "json":
        _deliver_json(shell.user_ns, options, reply, shape)
        return
    if options.out:
        shell.user_ns[options.out] = reply
    if options.format == "code":
        from ..core.render import extract_code

        code = extract_code(reply.text)
        if code:
            shell.set_next_input(code, replace=False)


def _deliver_json(namespace: dict[str, Any], options: CellOptions, reply: Any, shape: Any) -> None:
    """Bind the parsed reply to -o (or `_`); a reply that does not parse is one line, and the Reply is bound."""
    from ..tools import structured

    try:
        value = shape.parse(reply.text) if shape is not None else structured.parse_json(reply.text)
        if options.as_frame:
            value = structured.as_frame(value)
    except StructuredOutputError:
        namespace[options.out or "_"] = reply  # paid for: its text stays at hand, not a stale value
        raise
    namespace[options.out or "_"] = value


@contextmanager
def one_line_failures() -> Iterator[None]:
    """Our one-line errors and interrupts pass as they are; any other exception becomes one line."""
    try:
        yield
    except Exception as error:
        if isinstance(error, ClaudeMagicError):
            raise
        from ..core.errors import one_line

        what = one_line(f"{type(error).__name__}: {error}", 160)
        raise ClaudeMagicError(
            f"the cell stopped on an unexpected error ({what}); the chat is as it was; please report it"
        ) from None
