"""A notebook run under nbclient keeps the reply in its saved outputs, readable without widget state."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

CELLS = [
    "%load_ext claude_magic",
    "import claude_magic\nfrom claude_magic.simulator import ScriptedReply\n"
    "s = claude_magic.session()\n"
    "s.connection.simulator.queue(ScriptedReply(text='Saved **reply** text costs $5.', thinking='quiet thoughts', "
    "citations=({'type': 'page_location', 'cited_text': 'Quoted line', 'document_index': 0, "
    "'document_title': 'Manual', 'start_page_number': 3, 'end_page_number': 4},)))",
    "%%claude\nSay something worth saving.",
]


def test_saved_notebook_shows_the_reply_without_widget_state(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=False).execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    reopened = nbformat.read(path, as_version=4)
    shown = [o for o in reopened.cells[-1].outputs if o["output_type"] == "display_data" and any(o["data"].values())]
    style, output = shown  # outputs the live reply used and emptied when it settled show nothing
    assert style["data"]["text/html"].startswith("<style id='claude-magic-style'>"), "the stylesheet, once"
    html = output["data"]["text/html"]
    assert "Saved <strong>reply</strong> text costs $5." in html
    assert "“Quoted line” — Manual, page 3" in html
    assert "quiet thoughts" in html and " in (cache read" in html and "data-state='done'>done</span></div>" in html
    assert output["data"]["text/plain"].endswith(" · default · done")
    exported, _ = HTMLExporter().from_notebook_node(reopened)
    assert "Saved <strong>reply</strong> text costs $5." in exported
