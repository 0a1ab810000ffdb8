"""Every notebook in notebooks/ runs top to bottom in a real kernel against the simulator."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.test_notebook_audit import audit_against_ledger, with_ledger_marks

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def execute(path: Path, monkeypatch: pytest.MonkeyPatch, *, marked: bool = False) -> nbformat.NotebookNode:
    """The notebook run offline; `marked` adds the ledger marks tests/test_notebook_audit.py reads."""
    monkeypatch.setenv("CLAUDE_MAGIC_SIMULATE", "1")
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    nb = nbformat.read(path, as_version=4)
    nb = with_ledger_marks(nb) if marked else nb
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def all_output_text(nb: nbformat.NotebookNode) -> str:
    parts: list[str] = []
    for cell in nb.cells:
        stream = None
        for output in cell.get("outputs", []):
            same = output.get("output_type") == "stream" and output.get("name") == stream
            # One print may arrive as several stream outputs (ipykernel 6.29 flushes mid-print); frontends join them.
            if same:
                parts[-1] += output["text"]
            else:
                parts.append(output.get("text", ""))
            stream = output.get("name") if output.get("output_type") == "stream" else None
            parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_offline(path, monkeypatch, tmp_path):
    """... and `python -m claude_magic.audit` on the saved notebook agrees with the run's ledger."""
    nb = execute(path, monkeypatch, marked=True)
    audit_against_ledger(nb, tmp_path / path.name)
    errors = [(c, o) for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    # A cell tagged raises-exception shows a refusal on purpose: one line, never a traceback.
    assert [o for c, o in errors if "raises-exception" not in c.metadata.get("tags", [])] == []
    assert all(len("".join(o["traceback"]).strip().splitlines()) <= 1 for _, o in errors)
    text = all_output_text(nb)
    assert "Simulated reply" in text
    assert "Traceback" not in text


def test_quickstart_shows_streamed_markdown_and_usage(monkeypatch):
    nb = execute(Path(__file__).parent.parent / "notebooks" / "01_quickstart.ipynb", monkeypatch)
    claude_cell = next(c for c in nb.cells if c.source.startswith("%%claude\nExplain"))
    # In a kernel the reply shows in the widget panel, which settles into one static HTML output.
    shown = [o for o in claude_cell.outputs if o["output_type"] == "display_data" and any(o["data"].values())]
    *style, output = shown  # outputs a plain-output reply used and emptied when it settled show nothing
    assert len(style) == 1 and "claude-magic-style" in style[0]["data"]["text/html"], "the first reply brings the CSS"
    assert "Simulated reply" in output["data"]["text/html"]
    assert (
        "claude-sonnet-5-5" in output["data"]["text/html"]
        and "application/vnd.jupyter.widget-view+json" not in output["data"]
    )
    assert os.environ.get("ANTHROPIC_API_KEY") is None


def test_quickstart_shows_the_main_job_attachments_thinking_a_citation_and_the_dashboard(monkeypatch):
    nb = execute(Path(__file__).parent.parent / "notebooks" / "01_quickstart.ipynb", monkeypatch)

    def html_of(prefix: str) -> str:
        cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(prefix))
        return "\n".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)

    with_data = html_of("%%claude --chat sales -a sales chart")
    assert "1 image" in with_data and "claude-thinking" in with_data, "the DataFrame and figure cell"
    cited = html_of("%%claude --chat sales -a notes --cite")
    assert "claude-footnotes" in cited and "opened two stores" in cited, "the cited document cell"
    context = next(c for c in nb.cells if c.source == "%claude context")
    preview = all_output_text(nbformat.v4.new_notebook(cells=[context]))
    assert "north: DataFrame, 12 rows x 3 columns" in preview and "north grew by" in preview, "what the next cell adds"
    asked = html_of("%%claude --chat sales\nWhat did I just compute")
    assert preview.strip().splitlines()[0] in asked, "the panel says what went: what the preview said"
    assert "in the notebook context" in asked, "the simulated reply saw it"
    dashboard = next(c for c in nb.cells if c.source == "%claude dashboard")
    # An image output redrawn in place (display id): a saved notebook keeps the chart, no widget.
    shown = [o.get("data", {}) for o in dashboard.outputs]
    assert any(d.get("image/png") for d in shown), f"the dashboard shows no drawn figure: {shown}"
    assert not any("application/vnd.jupyter.widget-view+json" in d for d in shown), "a widget dies with the kernel"


def test_batches_join_themselves_between_cells(monkeypatch):
    nb = execute(Path(__file__).parent.parent / "notebooks" / "07_batches_and_budgets.ipynb", monkeypatch)
    shown = next(c for c in nb.cells if c.source == "reviews")
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown.outputs)
    assert "label_sentiment" in html and "label_status" in html and "expired" in html
    retried = next(c for c in nb.cells if c.source.startswith("%claude batch retry"))
    table = "".join(o.get("data", {}).get("text/plain", "") for o in retried.outputs)
    negative = ("Arrived broken, support never answered.", "Stopped working after a week.", "Too loud, returned it.")
    for review in negative:
        row = next(line for line in table.splitlines() if review in line)
        assert "negative" in row.split(review, 1)[1], f"the simulator's cue-word rule should label {review!r} negative"
    wait = next(c for c in nb.cells if c.source == "%claude batch wait")
    assert "is already joined into reviews['label']; nothing to do" in all_output_text(
        nbformat.v4.new_notebook(cells=[wait])
    )


def test_the_settings_tour_keeps_the_table_its_panel_held_not_a_widget(monkeypatch):
    nb = execute(Path(__file__).parent.parent / "notebooks" / "04_settings.ipynb", monkeypatch)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "settings_panel()" in c.source)
    shown = [o.get("data", {}) for o in cell.outputs]
    assert not any("application/vnd.jupyter.widget-view+json" in d for d in shown), "a widget dies with the kernel"
    html = "".join(d.get("text/html", "") for d in shown)
    # The next cell sets max_tokens = 900 before the panel settles into its table.
    assert "claude-settings-table" in html and "<td>max_tokens</td><td>900</td>" in html, html[:500]
