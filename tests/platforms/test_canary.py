"""No platform credential ever leaves the kernel: cell output, exports, autosave, errors and widget state.

Each platform runs once with the simulator's fake credentials (what `simulate` uses) and, where the
credentials can come from the environment offline (Bedrock's AWS keys, Foundry's key), once in real mode
with distinctive canaries, the SDK's base-URL variable pointing at the simulator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ipywidgets import Widget

from claude_magic._edge import platform_clients as _platform_clients
from claude_magic.simulator import ScriptedError

FAKE = {
    "bedrock": (_platform_clients.SIMULATED_AWS_KEY, _platform_clients.SIMULATED_AWS_SECRET),
    "vertex": (_platform_clients.SIMULATED_GOOGLE_TOKEN,),
    "foundry": (_platform_clients.SIMULATED_FOUNDRY_KEY,),
}
AWS_CANARY = ("AKIACANARY7QX2Z9PLMN", "canary-aws-secret-4f1d9c0b7e", "canary-aws-session-token-88ab1e")
FOUNDRY_CANARY = ("canary-foundry-key-51c3e07ad2",)


def _exercise(run: Any, session: Any, tmp_path: Path) -> str:
    """Run what a notebook does (a reply, a failure, tables, exports, a panel) and return every output as text."""
    autosave = tmp_path / "autosave.jsonl"
    run(f"%config ClaudeMagics.autosave = {str(autosave)!r}")
    outputs = [run("%%claude\nhello")[1], run("%claude models")[1], run("%claude config")[1]]
    session.connection.simulator.queue(ScriptedError(403, "permission_error", "denied", should_retry=False))
    failed, captured = run("%%claude\nagain")
    outputs.append(captured)
    from claude_magic.ui.panel import ResponsePanel

    panel = ResponsePanel("claude-sonnet-5-5", "default", show=lambda widget: None)
    panel.finish(session.ask("one more", on_event=panel.consume))
    texts = [o.stdout + o.stderr + "".join(str(x.data) for x in o.outputs) for o in outputs]
    texts += [str(failed.error_in_exec), autosave.read_text(), session.usage.to_dataframe().to_csv()]
    texts += [session.transcript.export(tmp_path / "t.json").read_text(), session.transcript.to_markdown()]
    texts += [json.dumps(Widget.get_manager_state(), default=str), panel.static_html()]
    return "\n".join(texts)


@pytest.mark.parametrize("platform", sorted(FAKE))
def test_simulated_platform_credentials_never_appear(platform, run, on_platform, session, tmp_path):
    on_platform(platform)
    everything = _exercise(run, session, tmp_path)
    assert "Simulated reply" in everything and "denied" in everything  # the outputs really were produced
    for secret in FAKE[platform]:
        assert secret not in everything
    assert all(
        secret not in json.dumps(r.headers) for r in session.connection.simulator.requests for secret in FAKE[platform]
    )


def test_aws_credentials_from_the_environment_never_appear(run, magics, session, tmp_path, monkeypatch):
    for name, value in zip(
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"), AWS_CANARY, strict=True
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", session.connection.simulator.url)
    run("%config ClaudeMagics.simulate = False\n%config ClaudeMagics.platform = 'bedrock'")
    run("%config ClaudeMagics.aws_region = 'us-east-1'")
    everything = _exercise(run, session, tmp_path)
    assert "Simulated reply" in everything and session.connection.simulator.requests[0].path.startswith(
        "/model/us.anthropic."
    )
    for secret in AWS_CANARY:
        assert secret not in everything
        assert all(secret not in json.dumps(r.headers) for r in session.connection.simulator.requests)


def test_a_foundry_key_from_the_environment_never_appears(run, magics, session, tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", FOUNDRY_CANARY[0])
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_BASE_URL", session.connection.simulator.url + "/anthropic/")
    run("%config ClaudeMagics.simulate = False\n%config ClaudeMagics.platform = 'foundry'")
    everything = _exercise(run, session, tmp_path)
    assert "Simulated reply" in everything and session.connection.simulator.requests[0].path == "/anthropic/v1/messages"
    assert FOUNDRY_CANARY[0] not in everything
    assert all(FOUNDRY_CANARY[0] not in json.dumps(r.headers) for r in session.connection.simulator.requests)
