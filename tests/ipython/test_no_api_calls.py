"""The IPython layer makes no API call: batches/ and the network edge do, through the session's connection."""

from __future__ import annotations

import ast
from pathlib import Path

import claude_magic

IPYTHON = Path(claude_magic.__file__).parent / "ipython"
# What reaching the API looks like: an SDK resource, a client with the network policy, the token counter.
# (`session.models()` is the session's own listing, so `.models` is not on the list.)
SDK_ATTRIBUTES = {"messages", "batches", "beta", "count_tokens", "api"}


def api_reaches(source: str) -> list[str]:
    """Each `x.messages`, `x.api`, ... attribute and each import of `_edge/preflight` in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in SDK_ATTRIBUTES:
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("preflight"):
            found.append(f"line {node.lineno}: import {node.module}")
    return found


def test_the_check_sees_an_api_call():
    reached = api_reaches("host.session.connection.api().messages.batches.list()")
    assert reached == ["line 1: .batches", "line 1: .messages", "line 1: .api"]
    assert api_reaches("from .._edge.preflight import count_input_tokens") == ["line 1: import _edge.preflight"]


def test_no_module_of_the_ipython_layer_reaches_the_api():
    reaches = {path.name: api_reaches(path.read_text()) for path in IPYTHON.glob("*.py")}
    assert {name: found for name, found in reaches.items() if found} == {}
