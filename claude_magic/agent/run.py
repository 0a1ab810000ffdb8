"""Run one agent call's code like a cell: in the shell's namespace, its output shown and kept, its last value kept.

Not through `shell.run_cell`: the call runs inside the `%%claude` cell, and a nested run_cell would fire
the cell hooks (the notebook context would take the call for a cell of its own), number an `Out`, and
print IPython's long traceback. Here the code is parsed, its last expression split off as a cell's is
(`ast.Expr` at the end: evaluated, its value kept, not printed), compiled as the pseudo-file
`<agent call N>` (its lines registered in linecache, so frames read as code), and run in `user_ns`.
Printed text is teed as the context's `Taps` tee a cell's (still shown); images displayed during the
call, and matplotlib figures it created or changed, are kept for the model.
"""

from __future__ import annotations

import ast
import base64
import binascii
import itertools
import linecache
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ..core.context import CellError
from ..ipython.context_capture import CappedText, CellRecording, Taps
from .timer import AgentTimeout, interruptible, time_limit

PRINTED_CHARS = 100_000  # printed text kept per call (its start and its end), as tools/results.RESULT_CHARS
MAX_IMAGES = 4  # images and figures a call gives back; later ones are counted
MAX_FRAMES = 10
FRAME_LINE_CHARS = 200
_numbers = itertools.count(1)


@dataclass
class AgentRun:
    """What one call did: printed text, its last value, images, and how it ended."""

    filename: str
    printed: str = ""
    value: Any = None
    has_value: bool = False  # the code ended in an expression whose value is not None
    images: list[bytes] = field(default_factory=list)
    figures: list[Any] = field(default_factory=list)  # matplotlib figures created or changed, still open
    dropped_images: int = 0
    error: CellError | None = None
    timed_out: bool = False
    restored: tuple[str, ...] = ()  # names the code rebound that the kernel needs, put back
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class _CallRecording(CellRecording):
    """A cell's recording with the agent's caps, keeping the images displayed during the call."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.printed = CappedText(PRINTED_CHARS)
        self.images: list[bytes] = []
        self.dropped_images = 0

    def displayed(self, data: Any, metadata: Any) -> None:
        super().displayed(data, metadata)
        png = data.get("image/png") if isinstance(data, dict) else None
        if not isinstance(png, str):
            return
        if len(self.images) >= MAX_IMAGES:
            self.dropped_images += 1
            return
        try:
            self.images.append(base64.b64decode(png, validate=False))
        except (binascii.Error, ValueError):
            self.dropped_images += 1


def run(code: str, shell: Any, timeout_s: float | None = None) -> AgentRun:
    """Run `code` in `shell`'s namespace as a cell would; a KeyboardInterrupt (the user's) propagates.

    Every other way the code can end (an exception, SystemExit, the time limit) is in the result.
    """
    result = AgentRun(f"<agent call {next(_numbers)}>")
    linecache.cache[result.filename] = (len(code), None, code.splitlines(keepends=True), result.filename)
    before = _open_figures()
    recording = _CallRecording(code)
    started = time.perf_counter()
    try:
        _execute(code, shell, result, recording, timeout_s)
    finally:
        result.duration_s = time.perf_counter() - started
        result.printed = recording.printed.text()
        result.images, result.dropped_images = recording.images, recording.dropped_images
        result.restored = _restore_kernel_names(shell)
    result.figures = _changed_figures(before, result.value)
    _show(shell, result)
    return result


def _execute(code: str, shell: Any, result: AgentRun, recording: CellRecording, timeout_s: float | None) -> None:
    taps = Taps(shell, recording)
    taps.install()
    try:
        body, last = _compiled(code, result.filename, shell)
        with interruptible(), time_limit(timeout_s):
            exec(body, shell.user_global_ns, shell.user_ns)  # the gate approved this code, now, in this cell
            value = eval(last, shell.user_global_ns, shell.user_ns) if last is not None else None
        result.value, result.has_value = value, value is not None
    except KeyboardInterrupt:
        raise
    except AgentTimeout as error:
        result.timed_out = True
        result.error = _described(error, result.filename, shell)
    except BaseException as error:  # SystemExit too: the code ended, the kernel carries on
        result.error = _described(error, result.filename, shell)
    finally:
        taps.remove()


def _compiled(code: str, filename: str, shell: Any) -> tuple[Any, Any]:
    """The code's statements (exec) and its last expression (eval), or None when it ends otherwise."""
    flags = getattr(getattr(shell, "compile", None), "flags", 0)
    tree = ast.parse(code, filename, "exec")
    last = None
    end = tree.body[-1] if tree.body else None
    if isinstance(end, ast.Expr):
        tree.body.pop()
        last = compile(ast.Expression(end.value), filename, "eval", flags=flags, dont_inherit=True)
    return compile(tree, filename, "exec", flags=flags, dont_inherit=True), last


# -- errors ---------------------------------------------------------------------------------------------------------


def _described(error: BaseException, filename: str, shell: Any) -> CellError:
    """Type, message and the frames of user code: this call's and the notebook's cells, innermost last."""
    try:
        message = str(error)
    except Exception:
        message = "(its message could not be read)"
    if isinstance(error, SyntaxError):
        frames = [f"{filename}, line {error.lineno}: {(error.text or '').strip()[:FRAME_LINE_CHARS]}"]
        return CellError("SyntaxError", error.msg or message, tuple(frames))
    if isinstance(error, SystemExit):
        message = f"the code called sys.exit({error.code!r}); the call stopped there, the kernel carries on"
    return CellError(type(error).__qualname__, message, tuple(_user_frames(error, filename, shell)[-MAX_FRAMES:]))


def _user_frames(error: BaseException, filename: str, shell: Any) -> list[str]:
    cells: dict[str, Any] = dict(getattr(getattr(shell, "compile", None), "_filename_map", {}) or {})
    frames, tb = [], error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        where = filename if code.co_filename == filename else _cell_name(cells.get(code.co_filename))
        if where is not None:
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()[:FRAME_LINE_CHARS]
            frames.append(f"{where}, line {tb.tb_lineno}, in {code.co_name}: {line}")
        tb = tb.tb_next
    return frames


def _cell_name(number: Any) -> str | None:
    return f"In [{number}]" if number is not None else None


# -- the kernel's own names -----------------------------------------------------------------------------------------


def _restore_kernel_names(shell: Any) -> tuple[str, ...]:
    """Put back `get_ipython` if the code deleted or rebound it: every later magic cell calls it by name."""
    real = getattr(shell, "get_ipython", None)
    if real is None or shell.user_ns.get("get_ipython") == real:
        return ()
    shell.user_ns["get_ipython"] = real
    return ("get_ipython",)


# -- figures --------------------------------------------------------------------------------------------------------


def _open_figures() -> dict[int, tuple[Any, bool]]:
    """Open pyplot figures by id, with whether each awaited a redraw (`stale`)."""
    helpers = sys.modules.get("matplotlib._pylab_helpers")
    if helpers is None:
        return {}
    figures = [manager.canvas.figure for manager in helpers.Gcf.get_all_fig_managers()]
    return {id(figure): (figure, bool(figure.stale)) for figure in figures}


def _changed_figures(before: dict[int, tuple[Any, bool]], value: Any) -> list[Any]:
    """Figures the call created or changed (a change leaves a figure stale until drawn), not the value itself."""
    changed = []
    for key, (figure, stale) in _open_figures().items():
        if figure is not value and (key not in before or (stale and not before[key][1])):
            changed.append(figure)
    return changed


# -- what the user sees ---------------------------------------------------------------------------------------------


def _show(shell: Any, result: AgentRun) -> None:
    """The value displayed as a cell's Out would be (rich forms too); an error as a few lines on stderr."""
    if result.has_value:
        from IPython.display import display

        display(result.value)
    if result.error is not None:
        print(error_text(result.error), file=sys.stderr)


def error_text(error: CellError) -> str:
    """The error as a short traceback of user frames: `Traceback (user code):`, the frames, `Type: message`."""
    frames = "".join(f"  {frame}\n" for frame in error.frames)
    head = "Traceback (user code, innermost last):\n" if frames else ""
    return f"{head}{frames}{error.type}: {error.message}"
