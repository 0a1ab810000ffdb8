"""The record of agent calls, their provenance, and the cell made of the code that ran."""

from __future__ import annotations

import hashlib

from claude_magic.agent.records import (
    APPROVED,
    DENIED,
    ERROR,
    INTERRUPTED,
    NOBODY,
    NOT_RUN,
    OK,
    TIMEOUT,
    USER,
    YES,
    AgentRecord,
    proposed_cell,
    with_rounds,
)  # fmt: skip


def rec(call_id: str, code: str, verdict: str = APPROVED, outcome: str = OK, by: str = USER) -> AgentRecord:
    return AgentRecord(call_id, code, verdict, by, outcome)


def test_the_proposed_cell_is_the_approved_code_in_order_without_the_denied():
    records = [
        rec("a", "import pandas as pd\nsales = pd.DataFrame({'x': [1]})\n"),
        rec("b", "import shutil; shutil.rmtree('/')", DENIED, NOT_RUN, NOBODY),
        rec("c", "total = sales.x.sum()"),
    ]
    cell = proposed_cell(records)
    assert cell == (
        "# The code %%claude --agent ran above, in order (2 calls; 1 call denied or not run, left out)\n\n"
        "import pandas as pd\nsales = pd.DataFrame({'x': [1]})\n\n"
        "total = sales.x.sum()\n"
    )
    namespace: dict[str, object] = {}
    exec(cell, namespace)  # the cell reproduces the state
    assert namespace["total"] == 1


def test_calls_that_stopped_part_way_follow_as_comments_and_the_cell_still_runs():
    records = [rec("a", "x = 1"), rec("b", "y = x / 0\n\nz = 2", outcome=ERROR), rec("c", "w = 3", outcome=TIMEOUT)]
    records.append(rec("d", "import time; time.sleep(9)", outcome=INTERRUPTED))
    cell = proposed_cell(records)
    assert "# This call stopped on an error, part way; it is left out:\n# y = x / 0\n#\n# z = 2" in cell
    assert "its time limit" in cell and "your interrupt" in cell
    namespace: dict[str, object] = {}
    exec(cell, namespace)
    assert namespace["x"] == 1 and "y" not in namespace and "w" not in namespace


def test_nothing_ran_no_cell():
    assert proposed_cell([]) == ""
    assert proposed_cell([rec("a", "x = 1", DENIED, NOT_RUN)]) == ""


def test_provenance_keeps_the_hash_never_the_code():
    record = rec("toolu_9", "secret_value = 'sk-ant-xyz'", by=YES).ran(OK, 0.12345)
    rounds = [[{"type": "text", "text": "hi"}], [{"type": "tool_use", "id": "toolu_9"}]]
    row = with_rounds([record], rounds)[0].provenance()
    assert row == {
        "call": "toolu_9", "round": 2, "sha256": hashlib.sha256(record.code.encode()).hexdigest(),
        "verdict": "approved", "by": "--yes", "outcome": "ok", "duration_s": 0.123,
    }  # fmt: skip
    assert "sk-ant" not in str(row)


def test_a_lone_surrogate_in_code_still_hashes():
    assert len(rec("a", "x = '\ud800'").sha256) == 64
