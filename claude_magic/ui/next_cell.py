"""Replace a live widget's output by its settled form once the user runs another cell.

A saved widget view whose model died with the kernel shows "Error displaying widget: model not
found" in JupyterLab and Notebook 7, even beside a text/html form in the same output (the widget
renderer wins, and the kernel never hears the save). So a live output lives until the next cell:
the `pre_run_cell` after the one that showed it arms the swap, that cell's `post_run_cell` updates
the display id to the settled bundle (no widget view) and unhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Bundle = Callable[[], dict[str, str]]


class _Settler:
    def __init__(self, shell: Any, display_id: str, bundle: Bundle) -> None:
        self.shell, self.display_id, self.bundle = shell, display_id, bundle
        self.armed = False

    def pre(self, info: Any = None) -> None:
        self.armed = True

    def post(self, result: Any = None) -> None:
        if not self.armed:  # the post_run_cell of the cell that showed the output
            return
        from IPython.display import update_display

        self.shell.events.unregister("pre_run_cell", self.pre)
        self.shell.events.unregister("post_run_cell", self.post)
        update_display(self.bundle(), raw=True, display_id=self.display_id)


def settle_after_next_cell(display_id: str, bundle: Bundle) -> bool:
    """Swap `display_id` to `bundle()` after the next cell; False where no IPython shell runs cells."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return False
    settler = _Settler(shell, display_id, bundle)
    shell.events.register("pre_run_cell", settler.pre)
    shell.events.register("post_run_cell", settler.post)
    return True
