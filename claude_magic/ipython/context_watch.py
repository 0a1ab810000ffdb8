"""`NotebookWatcher`: the cells run and the variables, and what changed since each chat's previous prompt.

Registered on the shell's `pre_run_cell` / `post_run_cell` events, it keeps the last `MAX_CELLS` cells as
the user saw them (`context_capture.py`), except claude_magic's own cells (`%%claude`, `%claude ...`).
Each chat has its own mark: the newest cell it was sent and the fingerprints of the variables then
(`context_vars.fingerprint`). `since(chat)` lists what is newer; `mark_sent(chat, changes)` moves the
mark once a prompt went; `reset(chat)` (or `reset()` for all) makes the next prompt a first one. A mark
holds for the chat as it was when marked (`turn`, its last reply's id): once the chat is reset, undone,
started anew or loaded from a file, its next prompt is a first one. A kernel restart makes a new
watcher, so it starts afresh on its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a cell first runs, so %load_ext stays light (tests/test_layers.py)
    from ..core.context import CellRun
    from .context_capture import CellRecording, Taps
    from .context_vars import Fingerprint

MAX_CELLS = 20  # cells kept in the buffer, the newest
FIRST_PROMPT_CELLS = 10  # a chat's first prompt takes the newest of them (then the budget decides)
_OWN_CELLS = ("%%claude", "%claude")


@dataclass(frozen=True)
class Changes:
    """What changed for one chat: cells newer than its mark, variables new or changed, names removed."""

    cells: tuple[CellRun, ...]
    new: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    first: bool
    last_cell: int  # the watcher's sequence number of the newest cell seen
    snapshot: dict[str, Fingerprint] = field(repr=False, compare=False, default_factory=dict)


@dataclass
class _Mark:
    last_cell: int
    fingerprints: dict[str, Fingerprint]
    turn: str | None = None  # the chat's last reply id when marked: the mark holds only for that chat


class NotebookWatcher:
    """Records cells as they run and answers `since(chat)`; `register()` hooks it on the shell."""

    def __init__(self, shell: Any, max_cells: int = MAX_CELLS) -> None:
        self.shell = shell
        self.cells: deque[tuple[int, CellRun]] = deque(maxlen=max_cells)
        self._sequence = 0
        self._recording: CellRecording | None = None
        self._taps: Taps | None = None
        self._marks: dict[str, _Mark] = {}

    def register(self) -> None:
        events = self.shell.events
        if self.pre_run_cell not in events.callbacks["pre_run_cell"]:
            events.register("pre_run_cell", self.pre_run_cell)
            events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        self._stop_taps()
        for name, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            if callback in self.shell.events.callbacks[name]:
                self.shell.events.unregister(name, callback)

    def pre_run_cell(self, info: Any) -> None:
        """Start recording the cell, unless it is one of claude_magic's own."""
        self._stop_taps()
        source = getattr(info, "raw_cell", "") or ""
        if source.lstrip().startswith(_OWN_CELLS):
            self._recording = None
            return
        from .context_capture import CellRecording, Taps

        self._recording = CellRecording(source)
        self._taps = Taps(self.shell, self._recording)
        self._taps.install()

    def post_run_cell(self, result: Any) -> None:
        """Stop recording and keep the cell, with its error if it raised."""
        self._stop_taps()
        recording, self._recording = self._recording, None
        if recording is None or result is None:
            return
        error = result.error_in_exec or result.error_before_exec
        cell_names = getattr(getattr(self.shell, "compile", None), "_filename_map", {})
        self._sequence += 1
        number = getattr(result, "execution_count", None)  # set when the cell is stored in history
        self.cells.append((self._sequence, recording.finish(number, error, dict(cell_names))))

    def _stop_taps(self) -> None:
        if self._taps is not None:
            self._taps.remove()
            self._taps = None

    def since(self, chat_key: str, turn: str | None = None, *, fresh: bool = False) -> Changes:
        """The changes since `chat_key`'s previous prompt; for its first, the newest cells and every variable.

        The prompt is a first one when `fresh`, or when the mark was made on another `turn` of the chat.
        """
        snapshot = self.snapshot()
        mark = None if fresh else self._marks.get(chat_key)
        if mark is None or mark.turn != turn:
            cells = tuple(run for _, run in list(self.cells)[-FIRST_PROMPT_CELLS:])
            return Changes(cells, tuple(sorted(snapshot)), (), (), True, self._sequence, snapshot)
        cells = tuple(run for sequence, run in self.cells if sequence > mark.last_cell)
        before = mark.fingerprints
        new = tuple(sorted(name for name in snapshot if name not in before))
        changed = tuple(sorted(name for name in snapshot if name in before and before[name] != snapshot[name]))
        removed = tuple(sorted(name for name in before if name not in snapshot))
        return Changes(cells, new, changed, removed, False, self._sequence, snapshot)

    def snapshot(self) -> dict[str, Fingerprint]:
        """The fingerprint of every user variable now."""
        user_ns = self.shell.user_ns
        from .context_vars import fingerprint, public_names

        names = public_names(user_ns, getattr(self.shell, "user_ns_hidden", None))
        return {name: fingerprint(user_ns[name]) for name in names if name in user_ns}

    def mark_sent(self, chat_key: str, changes: Changes | None = None, turn: str | None = None) -> None:
        """`chat_key`'s prompt went with `changes` (None: with everything up to now): the next one starts here.

        `turn` is the chat's last reply id once it took the prompt; `since` honours the mark on that turn only.
        """
        changes = changes or self.since(chat_key, turn, fresh=True)
        self._marks[chat_key] = _Mark(changes.last_cell, dict(changes.snapshot), turn)

    def carry(self, chat_key: str, old_turn: str | None, new_turn: str | None) -> None:
        """`chat_key` took a turn that carried no context: a mark that held on `old_turn` holds on `new_turn`."""
        mark = self._marks.get(chat_key)
        if mark is not None and mark.turn == old_turn:
            mark.turn = new_turn

    def reset(self, chat_key: str | None = None) -> None:
        """Forget one chat's mark (all of them when None): its next prompt is a first one."""
        if chat_key is None:
            self._marks.clear()
        else:
            self._marks.pop(chat_key, None)
