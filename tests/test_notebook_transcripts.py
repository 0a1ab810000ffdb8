"""notebooks/05_transcripts.ipynb: the replay section really sends nothing."""

from __future__ import annotations

from pathlib import Path

from tests.test_notebooks import all_output_text, execute


def test_transcripts_notebook_replays_without_sending(monkeypatch):
    nb = execute(Path(__file__).parent.parent / "notebooks" / "05_transcripts.ipynb", monkeypatch)
    text = all_output_text(nb)
    assert "requests sent while replaying: 0" in text
    assert "exchange | Give a one-line example of each." in text
