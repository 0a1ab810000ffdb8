"""An input transformer so `%claude Is it true?` is a prompt, not IPython's `?` help syntax."""

from __future__ import annotations

import re

_LINE_MAGIC = re.compile(r"^(?P<indent>[ \t]*)%claude(?:[ \t]+(?P<rest>.*?))?[ \t]*$")


def protect_question_marks(lines: list[str]) -> list[str]:
    """Rewrite `%claude ...?` lines as explicit magic calls before IPython's help-end transform sees them."""
    return [_rewrite(line) for line in lines]


def _rewrite(line: str) -> str:
    body = line.rstrip("\n")
    match = _LINE_MAGIC.match(body)
    if not match or not body.endswith("?"):
        return line
    call = f"get_ipython().run_line_magic('claude', {match['rest'] or ''!r})"
    return match["indent"] + call + line[len(body) :]


AWAITING = frozenset(("--confirm", "--agent"))  # options whose cells may wait for an Approve click
_CELL_MAGIC = "get_ipython().run_cell_magic('claude', "
_ASYNC_ENTRY = "await get_ipython().magics_manager.registry['ClaudeMagics'].claude_async("


def await_confirming_cells(lines: list[str]) -> list[str]:
    """Turn a `%%claude --confirm` or `--agent` cell into an awaited call, which IPython's autoawait runs in the kernel.

    Runs after IPython's own transforms, which made the cell one `run_cell_magic('claude', line, cell)`
    call; a cell awaiting an Approve click lets ipykernel deliver the click (a blocking cell would not).
    """
    code = "".join(lines)
    if not code.startswith(_CELL_MAGIC) or not _confirms(code) or not _autoawait():
        return lines  # with %autoawait off the cell blocks, and approval asks on input()
    return [_ASYNC_ENTRY + code[len(_CELL_MAGIC) :]]


def _confirms(code: str) -> bool:
    import ast
    import shlex

    try:
        call = ast.parse(code).body[0]
        line = ast.literal_eval(call.value.args[1])  # type: ignore[attr-defined]
        return not AWAITING.isdisjoint(shlex.split(line))
    except (SyntaxError, ValueError, AttributeError, IndexError, TypeError):
        return False


def _autoawait() -> bool:
    from IPython import get_ipython

    return bool(getattr(get_ipython(), "autoawait", False))
