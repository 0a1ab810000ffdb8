"""`%%claude` through Bedrock, Vertex AI and Foundry: the SDK's own platform clients against the simulator."""

from __future__ import annotations

import anthropic
import pytest

from claude_magic._planning import RequestOptions
from claude_magic.core.errors import PlatformError, RequestFailed
from claude_magic.simulator import ScriptedError, ScriptedReply

from .conftest import PLATFORMS

CLIENTS = {
    "bedrock": anthropic.AnthropicBedrock,
    "vertex": anthropic.AnthropicVertex,
    "foundry": anthropic.AnthropicFoundry,
}
PATHS = {
    "bedrock": "/model/us.anthropic.claude-sonnet-5-5-v1:0/invoke-with-response-stream",
    "vertex": "/v1/projects/proj-7/locations/europe-west1/publishers/anthropic/models/"
    "claude-sonnet-5-5:streamRawPredict",
    "foundry": "/anthropic/v1/messages",
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_cell_streams_through_the_platform_client(platform, run, on_platform, session):
    run("%config ClaudeMagics.aws_region = 'us-west-2'\n%config ClaudeMagics.vertex_project = 'proj-7'")
    run("%config ClaudeMagics.vertex_region = 'europe-west1'")
    on_platform(platform)
    session.connection.simulator.queue(ScriptedReply(text=f"hello from {platform}"))
    result, captured = run("%%claude\nhello")
    assert result.success and f"hello from {platform}" in captured.stdout
    assert isinstance(session.connection.client, CLIENTS[platform])
    request = session.connection.simulator.requests[-1]
    assert request.path == PATHS[platform]
    body = request.body or {}
    assert body.get("model") == ("claude-sonnet-5-5" if platform == "foundry" else None)
    assert ("anthropic_version" in body) is (platform != "foundry")
    auth = {"bedrock": "x-amz-date", "vertex": "authorization", "foundry": "api-key"}[platform]
    assert auth in request.headers


def test_preflight_on_vertex_counts_on_its_count_tokens_route(run, on_platform, session):
    run("%config ClaudeMagics.vertex_project = 'proj-7'\n%config ClaudeMagics.vertex_region = 'global'")
    run("%config ClaudeMagics.preflight_tokens = 0")
    on_platform("vertex")
    result, captured = run("%%claude\nhello")
    assert result.success
    count, sent = session.connection.simulator.requests[-2:]
    assert count.path == "/v1/projects/proj-7/locations/global/publishers/anthropic/models/count-tokens:rawPredict"
    assert (count.body or {}).get("model") == "claude-sonnet-5-5" and sent.path.endswith(":streamRawPredict")
    assert "est. $" in captured.stderr and "(~" not in captured.stderr  # counted, not the local estimate


def test_bedrock_region_chooses_the_inference_profile(run, on_platform, session):
    run("%config ClaudeMagics.aws_region = 'eu-central-1'")
    on_platform("bedrock")
    run("%%claude\nhello")
    assert session.connection.simulator.requests[-1].path.startswith("/model/eu.anthropic.claude-sonnet-5-5-v1:0/")


def test_models_lists_the_platform_ids(run, on_platform):
    run("%config ClaudeMagics.vertex_region = 'global'")
    on_platform("vertex")
    result, _ = run("%claude models")
    ids = dict(zip(result.result["id"], result.result["platform_id"], strict=True))
    assert ids["claude-sonnet-4-5"] == "claude-sonnet-4-5@20250929"
    assert "claude-mythos-5-2" not in ids  # invite-only: on no platform


def test_a_model_the_platform_does_not_serve_names_the_nearest(run, on_platform, session):
    on_platform("bedrock")
    result, _ = run("%%claude --model claude-mythos-5-2\nhello")
    assert isinstance(result.error_in_exec, PlatformError)
    assert str(result.error_in_exec) == "claude-mythos-5-2 is not served on Amazon Bedrock; nearest: claude-mythos-5-1"
    assert session.connection.simulator.requests == []


@pytest.mark.parametrize(
    ("platform", "cell", "said"),
    [
        ("bedrock", "%%claude --web-search\nnews?", "Amazon Bedrock does not run the web_search server tool"),
        ("vertex", "%%claude --web-fetch\nread it", "Vertex AI does not run the web_fetch server tool"),
        ("vertex", "%claude -a https://example.com/cat.png -- describe it", "Vertex AI takes base64 images only"),
        ("bedrock", "%claude -a https://example.com/cat.png -- describe it", "Amazon Bedrock takes base64 images"),
    ],
)
def test_a_platform_limit_is_refused_before_sending(platform, cell, said, run, on_platform, session):
    on_platform(platform)
    result, _ = run(cell)
    assert isinstance(result.error_in_exec, PlatformError) and said in str(result.error_in_exec)
    assert session.connection.simulator.requests == []


def test_foundry_refuses_file_sources_before_sending(on_platform, session):
    on_platform("foundry")
    file_block = {"type": "document", "source": {"type": "file", "file_id": "file_011"}}
    with pytest.raises(PlatformError, match="Foundry has no Files API"):
        session.prepare("summarise", RequestOptions(content=[file_block]))
    assert session.connection.simulator.requests == []


def test_a_large_image_is_refused_on_bedrock_not_on_foundry(on_platform, session):
    data = "A" * (6 * 1024 * 1024 * 4 // 3)  # 6 MB once decoded: over Bedrock's 5 MB, under the API's 10 MB
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    on_platform("bedrock")
    with pytest.raises(PlatformError, match=r"up to 5 MB; this one is 6\.0 MB"):
        session.prepare("look", RequestOptions(content=[image]))
    on_platform("foundry")
    session.prepare("look", RequestOptions(content=[image]))


@pytest.mark.parametrize(
    ("platform", "status", "fix"),
    [
        ("bedrock", 403, "aws sso login"),
        ("vertex", 401, "gcloud auth application-default login"),
        ("foundry", 401, "ANTHROPIC_FOUNDRY_API_KEY"),
    ],
)
def test_a_credential_error_is_one_line_naming_the_platform(platform, status, fix, run, on_platform, session):
    on_platform(platform)
    session.connection.simulator.queue(
        ScriptedError(status, "authentication_error", "credentials rejected", should_retry=False)
    )
    result, _ = run("%%claude\nhello")
    error = result.error_in_exec
    assert isinstance(error, RequestFailed) and "\n" not in error.message
    label = {"bedrock": "Amazon Bedrock", "vertex": "Vertex AI", "foundry": "Foundry"}[platform]
    assert error.message.startswith(f"{label} error {status}: credentials rejected") and fix in error.message
    assert "ANTHROPIC_API_KEY." not in error.message


def test_bedrock_rejects_a_bearer_token_where_sigv4_is_expected(run, magics, session, monkeypatch):
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "not-a-sigv4-signature")
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", session.connection.simulator.url)
    run("%config ClaudeMagics.simulate = False\n%config ClaudeMagics.platform = 'bedrock'")
    run("%config ClaudeMagics.aws_region = 'us-east-1'")
    run("%config ClaudeMagics.max_retries = 0")
    result, _ = run("%%claude\nhello")
    message = result.error_in_exec.message
    assert message.startswith("Amazon Bedrock error 403: The security token included in the request is invalid.")
    assert "aws sso login" in message


def test_vertex_without_a_project_says_how_to_set_one(run, magics, tmp_path, monkeypatch):
    adc = tmp_path / "adc.json"  # an authorized_user ADC file: google-auth loads it without the network
    adc.write_text('{"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
    for name in ("GOOGLE_CLOUD_PROJECT", "ANTHROPIC_VERTEX_PROJECT_ID", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud config to borrow a project from
    run("%config ClaudeMagics.simulate = False\n%config ClaudeMagics.platform = 'vertex'")
    run("%config ClaudeMagics.vertex_region = 'global'")
    result, _ = run("%%claude\nhello")
    assert "Vertex AI: no Google Cloud project; set %config ClaudeMagics.vertex_project" in result.error_in_exec.message


def test_foundry_without_a_resource_says_how_to_set_one(run, magics, monkeypatch):
    for name in ("ANTHROPIC_FOUNDRY_BASE_URL", "ANTHROPIC_FOUNDRY_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "k")
    run("%config ClaudeMagics.simulate = False\n%config ClaudeMagics.platform = 'foundry'")
    result, _ = run("%%claude\nhello")
    assert result.error_in_exec.message.startswith("Foundry: no resource; set %config ClaudeMagics.foundry_resource")


def test_platform_settings_come_from_a_trusted_pyproject(shell, session, tmp_path, monkeypatch):
    from claude_magic.ipython.magics import ClaudeMagics
    from claude_magic.ipython.project_config import apply_project_config

    monkeypatch.setenv("CLAUDE_MAGIC_TRUST_FILE", str(tmp_path / "trusted.json"))
    (tmp_path / "pyproject.toml").write_text('[tool.claude_magic]\nplatform = "vertex"\nvertex-project = "proj-1"\n')
    magics = ClaudeMagics(shell=shell, session=session)
    try:
        [held] = apply_project_config(magics, tmp_path)
        assert "sets platform, vertex_project; not applied until you run %claude trust" in held
        assert session.connection.platform.name == "anthropic"
        assert apply_project_config(magics, tmp_path, trust=True) == []
        assert session.connection.platform.name == "vertex" and session.connection.platform.vertex_project == "proj-1"
    finally:
        shell.configurables.remove(magics)  # Magics.__init__ registers it with the shared shell


def test_an_injected_platform_client_routes_as_its_platform(session):
    session.use_client(
        anthropic.AnthropicVertex(
            access_token="t",
            project_id="p",
            region="global",
            base_url=session.connection.simulator.url + "/v1",
            max_retries=0,
        )
    )
    reply = session.ask("hello", model="claude-haiku-4-5")
    assert reply.complete
    assert session.connection.simulator.requests[-1].path.endswith("/models/claude-haiku-4-5@20251001:streamRawPredict")


BATCH_LINE = '%claude batch reviews --prompt "Classify: {{row.text}}" --out label'


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("action", ["", "wait", "list"])
def test_a_batch_on_a_platform_is_one_line_and_sends_nothing(platform, action, shell, run, on_platform, session):
    import pandas as pd

    shell.user_ns["reviews"] = pd.DataFrame({"text": ["good", "bad"]})
    on_platform(platform)
    result, captured = run(f"%claude batch {action}" if action else BATCH_LINE)
    label = {"bedrock": "Amazon Bedrock", "vertex": "Vertex AI", "foundry": "Foundry"}[platform]
    assert isinstance(result.error_in_exec, PlatformError)
    assert str(result.error_in_exec) == (
        f"{label} has no Message Batches API; add --sync to send the rows through the normal endpoint, "
        "several at a time"
    )
    assert "Traceback" not in captured.stdout + captured.stderr
    assert session.connection.simulator.requests == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_sync_batch_runs_on_the_platform(platform, shell, run, on_platform, session):
    import pandas as pd

    shell.user_ns["reviews"] = pd.DataFrame({"text": ["good", "bad"]})
    on_platform(platform)
    result, captured = run(BATCH_LINE + " --sync")
    assert result.success, result.error_in_exec
    assert (shell.user_ns["reviews"]["label_status"] == "succeeded").all()
    assert "2 request(s)" in captured.stdout and "estimated locally from the text" in captured.stdout
    assert not [r for r in session.connection.simulator.requests if "batches" in r.path or "count" in r.path]
    assert len(session.connection.simulator.requests) == 2  # the rows' threads share one client and one simulator


def test_an_injected_foundry_client_refuses_a_batch(shell, run, session):
    import pandas as pd

    shell.user_ns["reviews"] = pd.DataFrame({"text": ["good"]})
    session.use_client(
        anthropic.AnthropicFoundry(api_key="k", base_url=session.connection.simulator.url + "/anthropic", max_retries=0)
    )
    result, _ = run(BATCH_LINE)
    assert str(result.error_in_exec).startswith("Foundry has no Message Batches API; add --sync")
    assert session.connection.simulator.requests == []
