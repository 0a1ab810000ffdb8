"""Display choice: the widget panel in a kernel, the plain view in a terminal or when %config asks for it."""

from __future__ import annotations

from claude_magic.ipython.options import parse_options
from claude_magic.ui.panel import ResponsePanel
from claude_magic.ui.plain import MarkdownView


def view_for(magics, line: str = ""):
    return magics._view(parse_options(line), "markdown")


def test_kernel_gets_the_panel(magics, shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    view = view_for(magics, "--chat notes --model claude-opus-5-5")
    assert isinstance(view, ResponsePanel) and (view.model, view.chat) == ("claude-opus-5-5", "notes")


def test_terminal_gets_the_plain_view(magics):
    assert isinstance(view_for(magics), MarkdownView)


def test_config_display_markdown_forces_the_plain_view(magics, shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    shell.run_line_magic("config", 'ClaudeMagics.display = "markdown"')
    try:
        assert isinstance(view_for(magics), MarkdownView)
    finally:
        shell.run_line_magic("config", 'ClaudeMagics.display = "auto"')


def test_a_json_cell_gets_a_panel_that_shows_json_as_code(magics, shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    view = magics._view(parse_options("-f json"), "json")
    assert isinstance(view, ResponsePanel) and view.fmt == "json"
    assert view_for(magics).fmt == "markdown"


def test_config_display_html_streams_the_panel_through_plain_outputs(magics, shell, monkeypatch):
    from claude_magic.ui.display_view import DisplayView

    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    shell.run_line_magic("config", 'ClaudeMagics.display = "html"')
    try:
        view = view_for(magics)
        assert isinstance(view, ResponsePanel) and isinstance(view.widget, DisplayView)
    finally:
        shell.run_line_magic("config", 'ClaudeMagics.display = "auto"')


def test_auto_goes_plain_once_a_view_was_not_drawn(magics, shell, monkeypatch):
    from claude_magic.ui import frontend
    from claude_magic.ui.display_view import DisplayView
    from claude_magic.ui.panel import StreamView

    monkeypatch.setattr(shell, "kernel", object(), raising=False)
    monkeypatch.setattr(frontend, "WATCH", frontend.RenderWatch())
    assert isinstance(view_for(magics).widget, StreamView)
    frontend.WATCH.failed()
    assert isinstance(view_for(magics).widget, DisplayView)
    shell.run_line_magic("config", 'ClaudeMagics.display = "widget"')
    try:
        assert isinstance(view_for(magics).widget, StreamView), "widget overrides what auto learnt"
    finally:
        shell.run_line_magic("config", 'ClaudeMagics.display = "auto"')


def test_an_unknown_display_keeps_the_old_value(run, magics, caplog):
    run('%config ClaudeMagics.display = "pretty"')
    assert magics.display == "auto"
    assert "'widget', 'html'" in caplog.text, "the one line names the accepted values"
