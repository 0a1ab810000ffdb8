"""core/platforms.py and core/platform_models.py: model ids per platform and what each platform refuses."""

from __future__ import annotations

import pytest

from claude_magic.core.errors import PlatformError, describe_api_error
from claude_magic.core.models import REGISTRY
from claude_magic.core.platform_models import PLATFORM_IDS, inference_profile, listed_ids, platform_model_id
from claude_magic.core.platforms import check_request, credential_failure, error_context, missing_extra


@pytest.mark.parametrize(
    ("platform", "model", "region", "expected"),
    [
        ("bedrock", "claude-sonnet-5-5", "us-east-1", "us.anthropic.claude-sonnet-5-5-v1:0"),
        ("bedrock", "claude-haiku-4-5", "eu-west-3", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("bedrock", "claude-opus-4-6", "ap-northeast-1", "apac.anthropic.claude-opus-4-6-v1"),
        ("bedrock", "claude-opus-4-6", "sa-east-1", "anthropic.claude-opus-4-6-v1"),
        ("bedrock", "global.anthropic.claude-opus-5-5-v1:0", "us-east-1", "global.anthropic.claude-opus-5-5-v1:0"),
        ("vertex", "claude-sonnet-4-5", None, "claude-sonnet-4-5@20250929"),
        ("vertex", "claude-opus-4-5@20251101", None, "claude-opus-4-5@20251101"),
        ("foundry", "claude-opus-5-5", None, "claude-opus-5-5"),
        ("anthropic", "claude-mythos-5-2", None, "claude-mythos-5-2"),
    ],
)
def test_the_request_carries_the_platform_id(platform, model, region, expected):
    assert platform_model_id(platform, model, region) == expected


def test_every_platform_id_names_a_registry_model():
    known = {info.id for info in REGISTRY}
    assert all(set(table) <= known for table in PLATFORM_IDS.values())


def test_an_unserved_model_names_the_nearest_served_one():
    with pytest.raises(PlatformError, match="claude-mythos-preview is not served on Vertex AI; nearest: claude-"):
        platform_model_id("vertex", "claude-mythos-preview")


def test_listed_ids_follow_the_region():
    assert listed_ids("bedrock", "eu-north-1")["claude-opus-5-5"] == "eu.anthropic.claude-opus-5-5-v1:0"
    assert inference_profile("anthropic.x", None) == "anthropic.x"


def _image(source):
    return {"messages": [{"role": "user", "content": [{"type": "image", "source": source}]}]}


@pytest.mark.parametrize("platform", ["bedrock", "vertex"])
def test_url_sources_are_refused_on_bedrock_and_vertex(platform):
    with pytest.raises(PlatformError, match="base64 images only"):
        check_request(platform, _image({"type": "url", "url": "https://example.com/a.png"}))


def test_foundry_takes_url_sources_but_no_file_ids():
    check_request("foundry", _image({"type": "url", "url": "https://example.com/a.png"}))
    with pytest.raises(PlatformError, match="no Files API"):
        check_request("foundry", _image({"type": "file", "file_id": "file_1"}))


def test_nested_tool_result_images_are_checked_too():
    nested = {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "image", "source": {"type": "url"}}]}
    with pytest.raises(PlatformError):
        check_request("vertex", {"messages": [{"role": "user", "content": [nested]}]})


def test_image_size_limit_is_5_mb_on_bedrock_and_none_of_ours_on_the_api():
    big = _image({"type": "base64", "media_type": "image/png", "data": "A" * (7 * 1024 * 1024)})
    with pytest.raises(PlatformError, match="up to 5 MB"):
        check_request("bedrock", big)
    check_request("anthropic", big)


def test_server_tools_per_platform():
    search = {"messages": [], "tools": [{"type": "web_search_20260209", "name": "web_search"}]}
    with pytest.raises(PlatformError, match="Amazon Bedrock does not run the web_search server tool"):
        check_request("bedrock", search)
    check_request("vertex", search)


def test_missing_extra_is_one_install_line():
    hint = missing_extra("bedrock", lambda module: module != "boto3")
    assert hint == 'Amazon Bedrock needs boto3: pip install "claude-magic[bedrock]"'
    assert missing_extra("foundry", lambda module: False) is None


def test_platform_errors_replace_the_api_key_hint():
    line = describe_api_error(403, "expired", "req_1", platform=error_context("bedrock", 403))
    assert line.startswith("Amazon Bedrock error 403: expired (request id req_1). ") and "aws sso login" in line
    assert "ANTHROPIC_API_KEY" not in describe_api_error(401, "no", None, platform=error_context("bedrock", 401))
    assert error_context("anthropic", 401) is None


def test_credential_library_errors_are_matched_by_name():
    TokenRetrievalError = type("TokenRetrievalError", (Exception,), {})
    assert "aws sso login" in str(credential_failure(TokenRetrievalError()))
    assert credential_failure(ValueError()) is None
