"""Validation of `tools` and `tool_choice`, with the real API's 400 messages, and what the request offers."""

from __future__ import annotations

import re
from typing import Any

from ..core.models import ENABLED
from .errors import invalid
from .media import all_blocks
from .registry import find_row

NAME_PATTERN = "^[a-zA-Z0-9_-]{1,128}$"
_NAME = re.compile(NAME_PATTERN)
CUSTOM = "custom"
WEB_SEARCH = "web_search"
WEB_FETCH = "web_fetch"
# Server and built-in tool types (SDK 2.12.0 ToolUnionParam) and the name each must carry; None: no name.
SERVER_TOOLS: dict[str, str | None] = {
    **{f"web_search_{d}": WEB_SEARCH for d in ("20250305", "20260209", "20260318")},
    **{f"web_fetch_{d}": WEB_FETCH for d in ("20250910", "20260209", "20260309", "20260318")},
    **{f"code_execution_{d}": "code_execution" for d in ("20250522", "20250825", "20260120", "20260521")},
    "bash_20250124": "bash",
    "text_editor_20250124": "str_replace_editor",
    "text_editor_20250429": "str_replace_based_edit_tool",
    "text_editor_20250728": "str_replace_based_edit_tool",
    "memory_20250818": "memory",
    "tool_search_tool_regex_20251119": "tool_search_tool_regex",
    "tool_search_tool_regex": "tool_search_tool_regex",
    "tool_search_tool_bm25_20251119": "tool_search_tool_bm25",
    "tool_search_tool_bm25": "tool_search_tool_bm25",
    "computer_toolset_20260801": None,
    "browser_toolset_20260801": None,
}
MAX_USES_TYPES = frozenset(t for t, name in SERVER_TOOLS.items() if name in (WEB_SEARCH, WEB_FETCH))
CHOICES = ("auto", "any", "tool", "none")
FORCED = ("any", "tool")
UNCOUNTABLE_SOURCES = ("url", "file")  # count_tokens cannot fetch these
# Models that always think and reject a forced tool_choice (ANTHROPIC_API.md section 8).
NO_FORCED_TOOL_MODELS = frozenset({"claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1"})
UNIQUE_NAMES = "tools: Tool names must be unique."
CHOICE_WITHOUT_TOOLS = "tool_choice may only be specified while providing tools."
FORCED_WITH_THINKING = "Thinking may not be enabled when tool_choice forces tool use."
# UNVERIFIED: the text as quoted in users' reports of the real 400 (anthropics/claude-code#86665, 2026-08);
# no recording in tests/fixtures/recorded confirms it.
INVALID_SCHEMA = (
    "JSON schema is invalid. It must match JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12). "
    "Learn more about tool use at https://platform.claude.com/docs/en/agents-and-tools/tool-use/overview."
)

Dict = dict[str, Any]


def check_tools(body: Dict) -> None:
    """400 on the first bad tool definition, then on duplicate names, then on a bad tool_choice."""
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise invalid("tools: Input should be a valid list")
        for i, tool in enumerate(tools):
            _check_tool(i, tool)
        names = [n for n in map(tool_name, tools) if n is not None]
        if len(names) != len(set(names)):
            raise invalid(UNIQUE_NAMES)
    if "tool_choice" in body:
        check_tool_choice(body.get("tool_choice"), tools or [], body.get("thinking"), str(body.get("model")))


def check_countable(body: Dict) -> None:
    """count_tokens refuses server tools (the advisor, which the simulator does not offer, aside)
    and `url` / `file` sources, which it cannot read."""
    for i, tool in enumerate(body.get("tools") or []):
        if tool_kind(tool) != CUSTOM:
            raise invalid(f"tools.{i}: {tool_kind(tool)} is a server tool; count_tokens does not support server tools")
    for i, message in enumerate(body["messages"]):
        for block in all_blocks([message]):
            source = block.get("source")
            if isinstance(source, dict) and source.get("type") in UNCOUNTABLE_SOURCES:
                raise invalid(f"messages.{i}: {source['type']} sources are not supported by count_tokens")


def tool_kind(tool: Dict) -> str:
    """`custom` for a tool the client runs, else the server tool's versioned type."""
    kind = tool.get("type")
    return CUSTOM if kind in (None, CUSTOM) else str(kind)


def tool_name(tool: Any) -> str | None:
    """The name a tool is called by (None for a toolset, which names its members itself)."""
    name = tool.get("name") if isinstance(tool, dict) else None
    return name if isinstance(name, str) else None


def custom_tools(body: Dict) -> list[Dict]:
    """The client tools of the request, in order."""
    return [t for t in body.get("tools") or [] if tool_kind(t) == CUSTOM]


def server_tool(body: Dict, name: str) -> Dict | None:
    """The request's server tool called `name` (web_search, web_fetch), if any."""
    return next((t for t in body.get("tools") or [] if tool_kind(t) != CUSTOM and t.get("name") == name), None)


def _check_tool(i: int, tool: Any) -> None:
    if not isinstance(tool, dict):
        raise invalid(f"tools.{i}: Input should be a valid dictionary")
    kind = tool_kind(tool)
    if kind == CUSTOM:
        return _check_custom(f"tools.{i}.custom", tool)
    if kind not in SERVER_TOOLS:
        raise invalid(f"tools.{i}: {_bad_tag(kind, (CUSTOM, *SERVER_TOOLS))}")
    _check_server(f"tools.{i}.{kind}", tool, SERVER_TOOLS[kind], kind in MAX_USES_TYPES)


def _check_custom(where: str, tool: Dict) -> None:
    name = tool.get("name")
    if name is None:
        raise invalid(f"{where}.name: Field required")
    if not isinstance(name, str) or not _NAME.fullmatch(name):  # `$` alone would let a final "\n" pass
        raise invalid(f"{where}.name: String should match pattern '{NAME_PATTERN}'")
    schema = tool.get("input_schema")
    if schema is None:
        raise invalid(f"{where}.input_schema: Field required")
    if not isinstance(schema, dict):
        raise invalid(f"{where}.input_schema: Input should be a valid dictionary")
    if schema.get("type") != "object":
        raise invalid(f"{where}.input_schema.type: Input should be 'object'")
    if not _is_json_schema(schema):
        raise invalid(f"{where}.input_schema: {INVALID_SCHEMA}")


def _is_json_schema(schema: Dict) -> bool:
    """The schema matches the JSON Schema draft 2020-12 meta-schema."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except (jsonschema.SchemaError, RecursionError):
        return False
    return True


def _check_server(where: str, tool: Dict, name: str | None, counted: bool) -> None:
    if name is not None and tool.get("name") != name:
        raise invalid(f"{where}.name: Input should be {name!r}")
    uses = tool.get("max_uses")
    if counted and uses is not None and (isinstance(uses, bool) or not isinstance(uses, int) or uses < 1):
        raise invalid(f"{where}.max_uses: Input should be greater than or equal to 1")


def check_tool_choice(choice: Any, tools: list[Any], thinking: Any, model: str) -> None:
    """The choice's shape, that it names a tool of the request, and the thinking rule for forced use."""
    kind = choice.get("type") if isinstance(choice, dict) else None
    if kind not in CHOICES:
        raise invalid(f"tool_choice: {_bad_tag(kind, CHOICES)}")
    assert isinstance(choice, dict)
    if not tools:
        raise invalid(CHOICE_WITHOUT_TOOLS)
    parallel = choice.get("disable_parallel_tool_use")
    if parallel is not None and not isinstance(parallel, bool):
        raise invalid(f"tool_choice.{kind}.disable_parallel_tool_use: Input should be a valid boolean")
    if kind == "tool":
        _check_named(choice.get("name"), tools)
    if kind in FORCED and _forbids_forced_use(thinking, model):
        raise invalid(FORCED_WITH_THINKING)


def _check_named(name: Any, tools: list[Any]) -> None:
    if not isinstance(name, str):
        raise invalid("tool_choice.tool.name: Field required")
    if name not in {tool_name(t) for t in tools}:
        raise invalid(f"tool_choice.tool.name: Tool '{name}' not found in tools")


def _forbids_forced_use(thinking: Any, model: str) -> bool:
    """Manual thinking, or a model that always thinks and cannot be forced to call a tool."""
    if isinstance(thinking, dict) and thinking.get("type") == ENABLED:
        return True
    row = find_row(model)
    return row is not None and row.id in NO_FORCED_TOOL_MODELS


def _bad_tag(kind: Any, tags: tuple[str, ...]) -> str:
    """Pydantic's message for a discriminated union given an unknown `type`."""
    expected = ", ".join(repr(t) for t in tags)
    return f"Input tag {kind!r} found using 'type' does not match any of the expected tags: {expected}"


def choice_of(body: Dict) -> Dict:
    """The request's tool_choice, `auto` when omitted."""
    choice = body.get("tool_choice")
    return choice if isinstance(choice, dict) else {"type": "auto"}
