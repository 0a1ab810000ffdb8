"""%config ClaudeMagics.autosave / replay / replay_mode reach the session."""

from __future__ import annotations

import json

import pytest


def test_autosave_trait_appends_each_cell(run, magics, tmp_path):
    path = tmp_path / "claude_transcript.jsonl"
    run(f"%config ClaudeMagics.autosave = {str(path)!r}")
    assert magics.session.autosave == str(path)
    result, _ = run("%%claude\nhello there")
    assert result.success
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["kind"], r["prompt"]) for r in records] == [("exchange", "hello there")]
    run("%config ClaudeMagics.autosave = None")
    assert magics.session.autosave is None


def test_replay_traits_reach_the_session(run, magics, tmp_path):
    path = str(tmp_path / "rec.jsonl")
    run(f"%config ClaudeMagics.replay = {path!r}")
    run("%config ClaudeMagics.replay_mode = 'replay'")
    assert (magics.session.connection.replay, magics.session.connection.replay_mode) == (path, "replay")
    run("%config ClaudeMagics.replay = None")
    run("%config ClaudeMagics.replay_mode = 'auto'")
    assert (magics.session.connection.replay, magics.session.connection.replay_mode) == (None, "auto")


def test_bad_replay_mode_is_refused(magics):
    from traitlets import TraitError

    with pytest.raises(TraitError):
        magics.replay_mode = "rewind"
    assert magics.session.connection.replay_mode == "auto"
