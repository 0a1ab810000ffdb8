"""Request planning (`_planning.py`): one RequestOptions however a request is asked; Session forwards nothing."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from claude_magic import Session
from claude_magic._planning import RequestOptions, for_platform
from claude_magic.core.errors import SettingsError
from claude_magic.core.platforms import PlatformConfig
from claude_magic.ipython.options import parse_options

SESSION_SOURCE = Path(inspect.getfile(Session)).read_text(encoding="utf-8")
DOCUMENTED = {"use_client"}  # README and docs/guide.md show claude_magic.session().use_client(...)


def test_keywords_name_options_and_every_other_keyword_is_a_settings_override():
    options = RequestOptions.of(chat="notes", history=False, model="claude-opus-5-5", effort="low")
    overrides = {"model": "claude-opus-5-5", "effort": "low"}
    assert options == RequestOptions(chat="notes", history=False, overrides=overrides)
    assert RequestOptions.of(overrides={"model": "x"}).overrides == {"overrides": {"model": "x"}}


def test_ask_refuses_an_overrides_keyword_as_a_setting_and_sends_nothing(session, sim):
    with pytest.raises(SettingsError, match="overrides"):
        session.ask("hi", overrides={"model": "claude-opus-5-5"})
    assert sim.requests == [] and len(session.usage) == 0


def test_a_cells_options_and_asks_keywords_plan_the_same_request(make_client, sim):
    line = "-m claude-opus-5-5 --chat notes --effort low --max-tokens 900"
    cell, asked = Session(client=make_client()), Session(client=make_client())
    from_cell = cell.prepare("hello", parse_options(line).request()).request
    from_ask = asked.prepare(
        "hello", RequestOptions.of(chat="notes", model="claude-opus-5-5", effort="low", max_tokens=900)
    ).request
    assert from_cell == from_ask and from_cell["model"] == "claude-opus-5-5" and from_cell["max_tokens"] == 900


def test_a_cloud_platform_gets_its_own_model_id_and_the_claude_api_the_request_itself():
    request = {"model": "claude-sonnet-5-5", "max_tokens": 8, "messages": []}
    assert for_platform(PlatformConfig(), request) is request
    bedrock = for_platform(PlatformConfig("bedrock", aws_region="us-east-1"), request)
    assert bedrock["model"] != "claude-sonnet-5-5" and request["model"] == "claude-sonnet-5-5"


def forwarders(source: str) -> set[str]:
    """Members of Session whose one statement (docstring aside) is self.connection's: returned, called or set."""
    session = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == "Session")
    found = set()
    for member in session.body:
        if not isinstance(member, ast.FunctionDef):
            continue
        body = [s for s in member.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and ast.unparse(_reached(body[0])).startswith("self.connection."):
            found.add(member.name)
    return found


def _reached(statement: ast.stmt) -> ast.AST:
    if isinstance(statement, ast.Assign):
        return statement.targets[0]
    return getattr(statement, "value", None) or statement


def test_session_forwards_to_its_connection_only_what_the_docs_show():
    assert forwarders(SESSION_SOURCE) == DOCUMENTED


def test_the_forwarder_check_finds_a_pass_through():
    planted = SESSION_SOURCE.replace(
        "    def close(self) -> None:",
        "    @property\n    def simulator(self) -> Any:\n        return self.connection.simulator\n\n"
        "    def close(self) -> None:",
    )
    assert forwarders(planted) == {*DOCUMENTED, "simulator"}
