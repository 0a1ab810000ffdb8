"""A shown settings panel is live until the next cell runs; then its output holds only the settings table."""

from __future__ import annotations

WIDGET = "application/vnd.jupyter.widget-view+json"


def _displays(captured):
    return [(o.data, o.transient or {}, o.update) for o in captured.outputs]


def test_the_panel_is_live_in_its_own_cell_and_settled_after_the_next(run, magics):
    _, shown = run("import claude_magic\npanel = claude_magic.settings_panel()\npanel")
    ((data, transient, update),) = _displays(shown)
    assert WIDGET in data and not update
    display_id = transient["display_id"]
    _, own_again = run("1")  # the next cell: it settles the panel after it ran
    ((settled, transient2, update2),) = _displays(own_again)
    assert update2 and transient2["display_id"] == display_id
    assert WIDGET not in settled and "<td>max_tokens</td><td>4096</td>" in settled["text/html"]
    assert "when the next cell ran" in settled["text/plain"]
    _, later = run("2")
    assert _displays(later) == [], "settled once: later cells leave the output alone"


def test_the_settled_table_holds_what_the_next_cell_set(run, magics):
    run("import claude_magic\npanel = claude_magic.settings_panel()\npanel")
    _, after = run("%config ClaudeMagics.max_tokens = 900\n%config ClaudeMagics.system = '<b>x</b>'")
    ((settled, _, _),) = _displays(after)
    assert "<td>max_tokens</td><td>900</td>" in settled["text/html"]
    assert "&lt;b&gt;x&lt;/b&gt;" in settled["text/html"] and "<b>x" not in settled["text/html"]


def test_the_controls_still_move_the_settings_after_the_panel_settled(run, magics, shell):
    run("import claude_magic\npanel = claude_magic.settings_panel()\npanel")
    run("pass")
    run("panel.controls['max_tokens'].value = 777")
    assert magics.max_tokens == 777


def test_a_panel_never_displayed_hooks_nothing(shell, magics):
    before = (len(shell.events.callbacks["pre_run_cell"]), len(shell.events.callbacks["post_run_cell"]))
    shell.run_line_magic("claude", "settings")
    after = (len(shell.events.callbacks["pre_run_cell"]), len(shell.events.callbacks["post_run_cell"]))
    assert after == before
