"""The notebook context in a real IPython shell and a real kernel: capture, "since", secrets, hostile objects."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from IPython.utils.capture import capture_output

from claude_magic.ipython.context_build import build_context
from claude_magic.ipython.context_capture import MAX_CELL_CHARS
from claude_magic.ipython.context_vars import fingerprint, summarise
from claude_magic.ipython.context_watch import NotebookWatcher
from tests import kernels
from tests.kernels import evaluate, running_kernel

KEY = "sk-ant-api03-" + "Zq9" * 14
AWS = "AKIAZZZZEXAMPLE12345"


@pytest.fixture
def watcher(shell):
    watcher = NotebookWatcher(shell)
    watcher.register()
    yield watcher
    watcher.unregister()


@pytest.fixture
def cell(shell):
    def run(source: str):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        return result, captured

    return run


def plan_for(watcher, shell, text="what happened?", **options):
    return build_context(watcher, shell, "chat", text, **options)


def test_a_frame_a_print_and_an_error_are_in_the_plan(watcher, shell, cell):
    cell("import pandas as pd\nsales = pd.DataFrame({'region': ['n', 's'], 'units': [3, 4]})")
    _, shown = cell("print('total units:', sales.units.sum())")
    cell("def ratio(x):\n    return x / 0\nratio(int(sales.units.sum()))")
    text = plan_for(watcher, shell).text
    assert shown.stdout == "total units: 7\n"  # the user still sees it
    assert "sales: DataFrame, 2 rows x 2 columns; columns: region (" in text and "units (int64)" in text
    assert "<output>\ntotal units: 7\n</output>" in text
    assert "ZeroDivisionError: division by zero" in text and "in ratio: return x / 0" in text


def test_a_second_plan_carries_only_what_changed(watcher, shell, cell):
    cell("early = 1")
    plan = plan_for(watcher, shell)
    watcher.mark_sent("chat", plan.changes)
    cell("fresh_total = 42")
    second = plan_for(watcher, shell)
    assert [item.name for item in second.items] == [second.items[0].name, "fresh_total"]
    assert second.items[0].kind == "cell" and "fresh_total = 42" in second.items[0].text
    assert "early" not in second.text and "so far" not in second.text
    assert second.summary_line == f"context: 1 cell, 1 variable · {second.tokens} tokens"


def test_changed_removed_and_reset(watcher, shell, cell):
    cell("counter = 1\ndoomed = 'x'")
    watcher.mark_sent("chat")
    cell("counter = 2\ndel doomed")
    changes = watcher.since("chat")
    assert "counter" in changes.changed and changes.removed == ("doomed",)
    assert "counter: int = 2 (changed)" in plan_for(watcher, shell).text
    assert watcher.since("other chat").first  # each chat has its own "since"
    watcher.reset("chat")
    assert watcher.since("chat").first


def test_no_secret_reaches_the_text_preview_or_provenance(watcher, shell, cell, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PASSPHRASE_VALUE", "correct-horse-battery")
    cell(f"api_token = {KEY!r}\nlooks_harmless = {AWS!r}\nclients_ssn = '078-05-1120'\nmax_tokens = 1024")
    cell("db_password = 'hunter2!'\nprint('pw is', db_password)")
    cell(f"print('using', {KEY!r})")
    cell("import os\nprint(os.environ['WAREHOUSE_PASSPHRASE_VALUE'])")
    cell("raise ValueError('rejected key ' + api_token + ' for ' + clients_ssn)")
    plan = plan_for(watcher, shell, exclude=["clients_*"])
    sent = "\n".join([plan.text, plan.preview(), str(plan.provenance())])
    for canary in (KEY, AWS, "hunter2!", "078-05-1120", "correct-horse-battery", KEY[:20]):
        assert canary not in sent
    assert "api_token: str" in plan.text and "max_tokens: int = 1024" in plan.text
    assert "clients_ssn:" not in plan.text and "clients_ssn" in plan.excluded
    assert "ValueError: rejected key <masked> for <masked>" in plan.text


def test_claude_cells_and_our_outputs_are_not_context(watcher, shell, cell):
    watcher.mark_sent("chat")
    cell("%%claude\nsummarise this")
    cell("%claude usage")
    cell("from IPython.display import display\ndisplay({'text/plain': 'ours'}, raw=True, metadata={'claude_magic': 1})")
    plan = plan_for(watcher, shell)
    assert "summarise this" not in plan.text and "usage" not in plan.text
    cells = [item for item in plan.items if item.kind == "cell"]
    assert len(cells) == 1 and "ours'" in cells[0].text and "<output>" not in cells[0].text


def test_streams_and_display_are_restored_after_each_cell(watcher, shell, cell):
    before = (sys.stdout, sys.stderr, shell.display_pub.__dict__.get("publish"))
    cell("print('x')")
    assert (sys.stdout, sys.stderr, shell.display_pub.__dict__.get("publish")) == before
    assert "write_format_data" not in shell.displayhook.__dict__


def test_a_ten_megabyte_print_is_capped(watcher, shell, cell):
    watcher.mark_sent("chat")
    cell("print('a' * 10_000_000 + 'THE END')")
    (item,) = plan_for(watcher, shell, budget_tokens=10_000).items
    assert len(item.text) < MAX_CELL_CHARS + 500 and "THE END" in item.text and "characters not kept" in item.text


def test_an_empty_notebook_and_an_empty_cell(watcher, shell, cell):
    watcher.mark_sent("chat")
    assert plan_for(watcher, shell).text == ""
    cell("# nothing to see")
    assert plan_for(watcher, shell).summary_line.startswith("context: 1 cell")


CALLS: list[str] = []


class Hostile:
    calls = CALLS

    def __init__(self):
        self.payload = list(range(3))

    def __repr__(self):
        Hostile.calls.append("repr")
        raise RuntimeError("no repr")

    def __str__(self):
        Hostile.calls.append("str")
        while True:  # hangs if anything calls it
            pass

    def __len__(self):
        Hostile.calls.append("len")
        raise RuntimeError("no len")

    def __getattr__(self, name):
        Hostile.calls.append(name)
        raise AttributeError(name)


class BadList(list):
    def __len__(self):
        raise RuntimeError("len breaks")

    def __repr__(self):
        raise RuntimeError("repr breaks")


def test_hostile_objects_are_summarised_without_calling_their_hooks(watcher, shell, cell):
    CALLS.clear()
    shell.user_ns.update(hostile=Hostile(), bad_list=BadList([1, "a"]))
    watcher.mark_sent("chat")
    shell.user_ns.update(hostile=Hostile(), bad_list=BadList([1, "a", 2.0]))
    text = plan_for(watcher, shell).text
    assert Hostile.calls == []
    assert "Hostile instance (payload: list) (changed)" in text
    assert "bad_list: BadList, 3 items; elements float/int/str" in text
    assert summarise("h", Hostile()).summary.endswith("instance (payload: list)") and Hostile.calls == []
    del shell.user_ns["hostile"], shell.user_ns["bad_list"]


def test_a_frame_with_ten_thousand_columns_is_summarised_briefly():
    pd = pytest.importorskip("pandas")
    wide = pd.DataFrame([[0] * 10_000], columns=[f"c{i}" for i in range(10_000)])
    summary = summarise("wide", wide).summary
    assert summary.startswith("DataFrame, 1 rows x 10,000 columns; columns: c0 (int64)")
    assert summary.endswith("(+9,980 more)") and len(summary) < 500


def test_fingerprints_see_sampled_changes_and_miss_deep_in_place_edits():
    np = pytest.importorskip("numpy")
    data = np.zeros(1_001)
    first = fingerprint(data)
    data[500] = 1.0  # a sampled position (the middle)
    assert fingerprint(data) != first
    second = fingerprint(data)
    data[123] = 1.0  # between samples: the documented blind spot; `-a data` sends it
    assert fingerprint(data) == second
    missing = np.full(3, np.nan)
    assert fingerprint(missing) == fingerprint(missing)  # NaN samples compare equal to themselves


def test_a_function_summary_never_reprs_its_defaults():
    hostile = Hostile()
    CALLS.clear()

    def fetch(url, token="abcdefgh", retries=3, session=hostile):
        """Fetch a page.

        More text."""

    summary = summarise("fetch", fetch).summary
    assert summary == "function fetch(url, token=<str>, retries=3, session=<Hostile>): Fetch a page."
    assert Hostile.calls == []


KERNEL_SETUP = (
    "from claude_magic.ipython.context_watch import NotebookWatcher\n"
    "from claude_magic.ipython.context_build import build_context\n"
    "watcher = NotebookWatcher(get_ipython())\n"
    "watcher.register()"
)


@pytest.fixture
def kernel():
    with running_kernel(KERNEL_SETUP) as (_, client):
        yield client


def execute(client: Any, code: str) -> list[dict[str, Any]]:
    """The cell's iopub messages."""
    return kernels.execute(client, code)[1]


def test_in_a_kernel_what_the_user_saw_is_the_context(kernel):
    execute(kernel, "import pandas as pd\nsales = pd.DataFrame({'region': ['n', 's'], 'units': [3, 4]})")
    printed = execute(kernel, f"print('units', sales.units.sum())\nprint('key', {KEY!r})")
    execute(kernel, "sales")
    execute(kernel, "import matplotlib.pyplot as plt\nfig, axes = plt.subplots(1, 2)")
    execute(kernel, "1 / 0")
    streams = [m["content"]["text"] for m in printed if m["msg_type"] == "stream"]
    assert "units 7\n" in "".join(streams)  # the kernel still publishes what the cell printed
    text = evaluate(kernel, "build_context(watcher, get_ipython(), 'chat', 'why?').text")
    assert "sales: DataFrame, 2 rows x 2 columns; columns: region" in text
    assert "units 7" in text and "key <masked>" in text and KEY[:20] not in text
    assert "region units" in " ".join(text.split())  # the frame's text form, as displayed
    assert "figure 1 (matplotlib, 2 axes)" in text
    assert "ZeroDivisionError: division by zero" in text


def test_in_a_kernel_the_second_prompt_carries_only_the_new_variable(kernel):
    execute(kernel, "first = 1")
    execute(kernel, "sent = build_context(watcher, get_ipython(), 'chat', 'hi')")
    execute(kernel, "watcher.mark_sent('chat', sent.changes)")
    execute(kernel, "second_value = 2")
    text = evaluate(kernel, "build_context(watcher, get_ipython(), 'chat', 'hi').text")
    assert "second_value: int = 2 (new)" in text and "first" not in text
