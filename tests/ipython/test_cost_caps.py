"""Cost before sending and caps, through a real InteractiveShell, the real SDK and the strict simulator.

Figures are worked out by hand from the price table (claude-sonnet-5-5: $2 input, $2.50 5-minute
cache write, $10 output per million tokens) and the simulator's own token counts.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from claude_magic.core.errors import BudgetExceeded
from claude_magic.simulator import ScriptedReply

COUNT = "/v1/messages/count_tokens"
MESSAGES = "/v1/messages"
MAX_TOKENS = 4096  # the default max_tokens: the worst case writes all of it at $10/M = $0.04096


def paths(sim):
    return [urlsplit(r.path).path for r in sim.requests if r.method == "POST"]


def refusal(result) -> str:
    """The one line a refused cell ends with."""
    error = result.error_in_exec
    assert isinstance(error, BudgetExceeded), error
    assert "\n" not in error.message
    return str(error.message)


def dollars_in(text: str) -> list[float]:
    return [float(figure.replace(",", "")) for figure in re.findall(r"\$([\d,]+\.\d+)", text)]


@pytest.fixture(autouse=True)
def no_caps(shell, magics):
    yield
    shell.run_line_magic("config", "ClaudeMagics.budget_usd = None")
    shell.run_line_magic("config", "ClaudeMagics.preflight_tokens = 50000")


def test_a_cell_refused_by_max_cost_sends_nothing_and_says_so_in_one_line(run, sim, session):
    result, _out = run("%%claude --max-cost 0.01\nWhat is 2 + 2?")
    assert paths(sim) == [COUNT], "counted (free), never sent"
    line = refusal(result)
    assert "over --max-cost $0.0100" in line and "nothing was sent" in line
    assert len(session.usage) == 0, "no request was made: no ledger row"
    assert session.transcript.chat("default").exchanges == []


def test_a_cap_the_worst_case_fits_is_sent_after_a_count(run, sim, session):
    result, out = run("%%claude --max-cost 0.05\nWhat is 2 + 2?")
    assert result.success, out.stderr
    assert paths(sim) == [COUNT, MESSAGES]
    assert sim.requests[0].body["messages"] == sim.requests[1].body["messages"], "counted what was sent"
    assert len(session.usage) == 1, "the count made no ledger row"


def test_a_cap_an_estimate_already_exceeds_sends_nothing(run, sim):
    result, _out = run("%%claude --max-cost 0.001 --max-tokens 64000\nhi")
    assert MESSAGES not in paths(sim)
    # worst case: 64,000 x $10/M = $0.64 of output alone
    assert dollars_in(refusal(result))[0] == pytest.approx(0.64, abs=0.01)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf"])
def test_a_bad_max_cost_is_one_line_and_sends_nothing(run, sim, value):
    result, out = run(f"%%claude --max-cost {value}\nhi")
    assert not result.success and paths(sim) == []
    assert "positive number of USD" in out.stderr and "Traceback" not in out.stderr


def test_unknown_price_with_a_cap_is_refused(run, sim):
    result, _out = run("%%claude -m claude-future-9 --max-cost 1\nhi")
    assert MESSAGES not in paths(sim)
    assert "price of claude-future-9 is unknown" in refusal(result)


def test_preflight_above_the_threshold_counts_and_shows_the_range(run, sim, shell):
    shell.run_line_magic("config", "ClaudeMagics.preflight_tokens = 100")
    prompt = "Summarise: " + "lorem ipsum dolor sit amet " * 40  # about 1,100 characters
    result, out = run(f"%%claude\n{prompt}")
    assert result.success, out.stderr
    assert paths(sim) == [COUNT, MESSAGES]
    counted = sim.requests[0]
    tokens = _count_of(sim, counted.body)
    line = next(line for line in out.stderr.splitlines() if "est." in line)
    assert f"({tokens:,} tokens in)" in line
    low, high = dollars_in(line)
    assert low == pytest.approx(tokens * 2 / 1e6, abs=6e-5)
    assert high == pytest.approx(tokens * 2.5 / 1e6 + MAX_TOKENS * 10 / 1e6, abs=6e-5)


def test_below_the_threshold_nothing_is_counted(run, sim):
    result, out = run("%%claude\nWhat is 2 + 2?")
    assert result.success and paths(sim) == [MESSAGES] and "est." not in out.stderr


def test_a_failed_count_falls_back_to_the_local_estimate_labelled_as_such(run, sim, shell):
    shell.run_line_magic("config", "ClaudeMagics.preflight_tokens = 0")
    # The token-counting endpoint refuses server tools: the count fails, the cell goes on.
    result, out = run("%%claude --web-fetch\nWhat is on https://example.com?")
    assert result.success, out.stderr
    assert paths(sim) == [COUNT, MESSAGES]
    assert re.search(r"est\. \$[\d.]+–\$[\d.]+ \(~[\d,]+ tokens in\)", out.stderr)


def test_budget_across_cells_refuses_the_cell_that_could_cross_it(run, sim, shell, session):
    shell.run_line_magic("config", "ClaudeMagics.budget_usd = 0.06")
    sim.queue(ScriptedReply(text="word " * 2400))  # 12,000 characters: about 3,000 output tokens, $0.03
    result, out = run("%%claude\nWrite at length.")
    assert result.success, out.stderr
    spent = session.usage.records[0].cost_usd
    output_tokens = session.usage.records[0].usage.output_tokens
    assert spent == pytest.approx(session.usage.records[0].usage.input_tokens * 2e-6 + output_tokens * 1e-5, rel=0.2)
    assert spent > 0.06 - (MAX_TOKENS * 10 / 1e6) - 0.005, "the reply made the next worst case cross the budget"
    footer = out.stdout.strip().splitlines()[-1]
    assert "of $0.0600 budget" in footer and "left)" in footer
    assert dollars_in(footer.split("spent")[1])[0] == pytest.approx(spent, abs=6e-5)

    sim.reset()
    result, out = run("%%claude\nAnd once more.")
    assert MESSAGES not in paths(sim)
    line = refusal(result)
    assert "over the $0.0600 budget" in line and "nothing was sent" in line
    assert len(session.usage) == 1 and len(session.transcript.chat("default").exchanges) == 1


def test_usage_shows_spend_always_and_the_budget_when_set(run, shell, session):
    run("%%claude\nhi")
    spent = session.usage.records[0].cost_usd
    _, out = run("%claude usage")
    assert out.stdout.splitlines()[1] == f"spent ${spent:.4f}", "the summary's first line, after Out[]:"
    shell.run_line_magic("config", "ClaudeMagics.budget_usd = 5")
    summary = shell.run_line_magic("claude", "usage")
    line = f"spent ${spent:.4f} of $5.00 budget (${5 - spent:.2f} left)"
    assert repr(summary).splitlines()[0] == line and f"<p>{line}</p>" in summary._repr_html_()


def test_budget_and_preflight_are_validated_listed_and_read_from_pyproject(run, magics, tmp_path, caplog):
    from claude_magic.ipython.project_config import apply_project_config

    for bad in ("0", "-2", "float('nan')"):
        run(f"%config ClaudeMagics.budget_usd = {bad}")
        assert magics.budget_usd is None and magics.session.budget_usd is None
        assert "budget_usd must be a positive number" in caplog.records[-1].getMessage()
    run("%config ClaudeMagics.preflight_tokens = -1")
    assert magics.preflight_tokens == 50_000 and "preflight_tokens must be 0 or more" in caplog.text
    (tmp_path / "pyproject.toml").write_text("[tool.claude_magic]\nbudget_usd = 2.5\npreflight-tokens = 1000\n")
    assert apply_project_config(magics, tmp_path) == []
    assert (magics.session.budget_usd, magics.session.preflight_tokens) == (2.5, 1000)
    settings = {row["setting"]: row["value"] for row in magics.config_rows()}
    assert settings["budget_usd"] == 2.5 and settings["preflight_tokens"] == 1000


def _count_of(sim, body):
    """The simulator's own count for a request body, asked through the real SDK."""
    import anthropic

    client = anthropic.Anthropic(base_url=sim.url, api_key="sk-test", max_retries=0)
    fields = {k: v for k, v in body.items() if k in ("model", "messages", "system", "tools", "thinking")}
    return client.messages.count_tokens(**fields).input_tokens


def test_a_refused_cell_in_a_panel_says_why_once_in_the_error_line(run, sim, shell, monkeypatch):
    monkeypatch.setattr(shell, "kernel", object(), raising=False)  # the panel view, as in a kernel
    result, out = run("%%claude --max-cost 0.01\nWhat is 2 + 2?")
    line = refusal(result)
    settled = [o.data["text/html"] for o in out.outputs if "<div class='claude-header'>" in o.data.get("text/html", "")]
    assert len(settled) == 1, "the panel settled into static HTML"
    header = re.search(r"<div class='claude-header'>(.*?)</div>", settled[0]).group(1)
    assert header.endswith("data-state='failed'>failed</span>")
    assert "nothing was sent" not in header and "--max-cost" not in header
    assert "nothing was sent" in line
