"""The `anthropic-beta` header and `metadata`: known beta names only, and `metadata.user_id` alone."""

from __future__ import annotations

from typing import Any

from .errors import invalid

# The beta names SDK 2.12.0 knows (AnthropicBetaParam), as of 2026-11; the API rejects any other.
KNOWN_BETAS = frozenset(
    [
        "computer-use-2024-10-22",
        "computer-use-2025-01-24",
        "computer-use-2025-11-24",
        "output-128k-2025-02-19",
        "mcp-client-2025-04-04",
        "mcp-client-2025-11-20",
        "mcp-client-2026-09-15",
        "dev-full-thinking-2025-05-14",
        "interleaved-thinking-2025-05-14",
        "code-execution-2025-05-22",
        "context-1m-2025-08-07",
        "context-management-2025-06-27",
        "model-context-window-exceeded-2025-08-26",
        "fast-mode-2026-02-01",
        "output-300k-2026-03-24",
        "user-profiles-2026-03-24",
        "user-profiles-2026-08-18",
        "user-profiles-2026-09-04",
        "advisor-tool-2026-03-01",
        "managed-agents-2026-04-01",
        "dreaming-2026-04-21",
        "thinking-token-count-2026-05-13",
        "server-side-fallback-2026-06-01",
        "server-side-fallback-2026-07-01",
        "fallback-credit-2026-06-01",
        "fallback-credit-2026-07-01",
        "agent-memory-2026-07-22",
        "mid-conversation-tool-changes-2026-07-01",
        "compact-2026-01-12",
        "compact-2026-09-04",
        "mcp-tunnels-2026-06-22",
        "structured-outputs-2025-11-13",
        "task-budgets-2026-03-13",
        "thinking-display-updates-2026-08-18",
        "mid-conversation-output-config-2026-07-01",
        "thinking-binding-controls-2026-08-01",
        "mid-conversation-system-clear-at-2026-08-21",
        "inline-tools-2026-09-15",
        "ce-plugins-2026-09-01",
        "message-threads-2026-08-12",
        "experimental-claude-tag-2026-10-21",
        "message-batches-2024-09-24",
        "prompt-caching-2024-07-31",
        "pdfs-2024-09-25",
        "token-counting-2024-11-01",
    ]
)
MAX_USER_ID_CHARS = 256


def betas_of(headers: dict[str, str]) -> frozenset[str]:
    """The betas a request turns on; an unknown name is a 400, as the API answers."""
    names = [name.strip() for name in headers.get("anthropic-beta", "").split(",") if name.strip()]
    unknown = [name for name in names if name not in KNOWN_BETAS]
    if unknown:
        listed = ", ".join(f"`{name}`" for name in unknown)
        raise invalid(
            f"Unexpected value(s) {listed} for the `anthropic-beta` header. "
            "Please consult our documentation at docs.claude.com or try again without the header."
        )
    return frozenset(names)


def check_metadata(body: dict[str, Any]) -> None:
    """`metadata` is an object with at most `user_id`: a string (or null) of up to 256 characters."""
    if "metadata" not in body or body["metadata"] is None:
        return
    metadata = body["metadata"]
    if not isinstance(metadata, dict):
        raise invalid("metadata: Input should be a valid dictionary")
    for key in metadata:
        if key != "user_id":
            raise invalid(f"metadata.{key}: Extra inputs are not permitted")
    user_id = metadata.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        raise invalid("metadata.user_id: Input should be a valid string")
    if isinstance(user_id, str) and len(user_id) > MAX_USER_ID_CHARS:
        raise invalid(f"metadata.user_id: String should have at most {MAX_USER_ID_CHARS} characters")
