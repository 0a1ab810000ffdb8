"""-a / --cite / --table-budget / {{expr}} / %claude fix through a real shell against the simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from claude_magic.core.errors import AttachmentError
from claude_magic.ipython import extension
from claude_magic.ipython.namespace import expand_template
from tests.media import pdf, png


def last_content(sim):
    return sim.requests[-1].body["messages"][-1]["content"]


def fails_quietly(run, sim, source: str, message: str) -> None:
    """The cell fails with one AttachmentError line naming the problem, and nothing is sent."""
    before = len(sim.requests)
    result, _ = run(source)
    assert not result.success
    assert isinstance(result.error_in_exec, AttachmentError)
    assert message in result.error_in_exec.message
    assert "\n" not in result.error_in_exec.message
    assert len(sim.requests) == before


def test_blocks_come_before_the_prompt_in_order(run, sim, shell, session):
    shell.user_ns.update(sales=pd.DataFrame({"region": ["n", "s"], "q1": [1.0, 2.0]}), notes="Grass is green.")
    shell.user_ns["chart"] = png(20, 10)
    result, out = run("%%claude --cache off -a sales chart notes\nWhich region grew?")
    assert result.success, out.stderr
    content = last_content(sim)
    assert [b["type"] for b in content] == ["text", "text", "image", "document", "text"]
    assert content[0]["text"].startswith("DataFrame `sales`: 2 rows × 2 columns")
    assert content[3] == {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "Grass is green."},
        "title": "notes",
    }
    assert content[-1] == {"type": "text", "text": "Which region grew?"}
    assert "1 image, 1 document" in session.last.text
    records = session.transcript.chat().exchanges[-1].attachments
    assert [(r["name"], r["kind"]) for r in records] == [
        ("sales", "dataframe"),
        ("chart", "image"),
        ("notes", "document"),
    ]
    assert records[1]["bytes"] == len(png(20, 10))


def test_cite_enables_citations_and_the_reply_carries_them(run, sim, shell, session):
    shell.user_ns["notes"] = "The grass is green. The sky is blue."
    shell.user_ns["report"] = pdf(1)
    result, _ = run("%%claude -a notes report --cite\nWhat colour is grass?")
    assert result.success
    documents = [b for b in last_content(sim) if b["type"] == "document"]
    assert [d["citations"] for d in documents] == [{"enabled": True}, {"enabled": True}]
    [citation] = session.last.citations
    assert citation["type"] == "char_location"
    assert citation["cited_text"] == "The grass is green. "
    assert (citation["document_index"], citation["document_title"]) == (0, "notes")
    assert (citation["start_char_index"], citation["end_char_index"]) == (0, 20)


def test_full_frame_as_csv_and_table_budget(run, sim, shell, magics):
    shell.user_ns["df"] = pd.DataFrame({"a": [1, 2]})
    run("%%claude -a df:full\nsum?")
    assert last_content(sim)[0]["source"]["data"] == ",a\n0,1\n1,2\n"
    shell.user_ns["wide"] = pd.DataFrame(np.ones((10, 300)))
    run("%%claude -a wide --table-budget 500\nhi")
    assert len(last_content(sim)[0]["text"]) <= 500 * 4
    shell.run_line_magic("config", "ClaudeMagics.table_token_budget = 300")
    run("%%claude -a wide\nhi")
    assert len(last_content(sim)[0]["text"]) <= 300 * 4


def test_files_by_path(run, sim, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf(2))
    (tmp_path / "notes.txt").write_text("Notes.")
    result, _ = run(f"%%claude -a {path} {tmp_path / 'notes.txt'}\nSummarise.")
    assert result.success
    first, second = last_content(sim)[:2]
    assert (first["title"], first["source"]["media_type"]) == ("report.pdf", "application/pdf")
    assert second["title"] == "notes.txt"


def test_https_urls_sent_as_url_sources(run, sim):
    run("%%claude -a https://example.org/chart.png https://example.org/report.pdf\nhi")
    content = last_content(sim)
    assert content[1] == {"type": "image", "source": {"type": "url", "url": "https://example.org/chart.png"}}
    assert content[2]["source"] == {"type": "url", "url": "https://example.org/report.pdf"}


def test_more_than_20_images_are_sent_at_2000_px(run, sim, shell):
    shell.user_ns.update({f"img{i}": png(2500, 100) for i in range(21)})
    names = " ".join(f"img{i}" for i in range(21))
    result, _ = run(f"%%claude -a {names}\nCompare.")
    assert result.success
    import base64

    from claude_magic.core.content import image_size

    sizes = [image_size(base64.b64decode(b["source"]["data"])) for b in last_content(sim) if b["type"] == "image"]
    assert len(sizes) == 21 and {s[0] for s in sizes} == {2000}


@pytest.mark.parametrize(
    ("setup", "line", "message"),
    [
        ({}, "-a nosuchname", "unknown name 'nosuchname'"),
        ({}, "-a /no/such/report.pdf", "no such file: /no/such/report.pdf"),
        ({"big": png(10, 10) + b"\0" * (11 * 1024 * 1024)}, "-a big", "the API takes images up to 10 MB"),
        ({"broken": b"%PDF-1.4\ngarbage"}, "-a broken", "broken is not a readable PDF"),
        ({"long": pdf(101)}, "-m claude-haiku-4-5 -a long", "101 pages; the API takes at most 100"),
        ({"thing": object()}, "-a thing", "cannot attach thing"),
        ({"df": pd.DataFrame({"a": [1]})}, "-a df --cite", "--cite needs a document"),
        ({}, "--cite", "--cite needs a document"),
        ({}, "-a http://example.org/a.png", "only https:// URLs"),
    ],
)
def test_bad_input_is_one_line_and_sends_nothing(run, sim, shell, setup, line, message):
    shell.user_ns.update(setup)
    fails_quietly(run, sim, f"%%claude {line}\nhello", message)


def test_unsupported_file_type(run, sim, tmp_path):
    (tmp_path / "sheet.xlsx").write_bytes(b"PK")
    fails_quietly(run, sim, f"%%claude -a {tmp_path / 'sheet.xlsx'}\nhi", "unsupported file type .xlsx")


def test_too_many_images(run, sim, shell):
    shell.user_ns.update({f"i{n}": png(4, 4) for n in range(101)})
    names = " ".join(f"i{n}" for n in range(101))
    fails_quietly(run, sim, f"%%claude -m claude-haiku-4-5 -a {names}\nhi", "101 images in one request")


def test_failed_attachment_leaves_the_chat_as_it_was(run, sim, session):
    run("%%claude\nfirst")
    run("%%claude -a nosuchname\nsecond")
    assert len(session.transcript.chat().exchanges) == 1


def test_templating_in_the_cell(run, sim, shell):
    shell.user_ns["n"] = 42
    result, _ = run('%%claude\nn is {{n + 1}}; JSON {"a": {"b": 1}} stays; {{{{literal}}')
    assert result.success
    assert last_content(sim)[-1]["text"] == 'n is 43; JSON {"a": {"b": 1}} stays; {{literal}}'


def test_failing_template_expression_names_it_and_sends_nothing(run, sim):
    fails_quietly(run, sim, "%%claude\nvalue {{undefined_thing * 2}}", "{{undefined_thing * 2}} failed: NameError")


def test_in_and_out_references():
    namespace = {"In": ["", "x = 1", "x + 1"], "Out": {2: 2}}
    assert expand_template("cell: {{In[1]}} gave {{Out[2]}}", namespace) == "cell: x = 1 gave 2"
    with pytest.raises(AttachmentError, match=r"\{\{Out\[9\]\}\} failed: KeyError"):
        expand_template("{{Out[9]}}", namespace)


def test_claude_fix_sends_the_last_traceback(shell, magics, run, sim):
    shell.events.register("post_run_cell", magics.last_error.record)
    try:
        result, out = run("%claude fix")
        assert "no exception recorded" in out.stdout and sim.requests == []
        run("def f():\n    return 1 / 0\nf()")
        result, _ = run("%claude fix")
    finally:
        shell.events.unregister("post_run_cell", magics.last_error.record)
    assert result.success
    prompt = last_content(sim)[-1]["text"]
    assert "ZeroDivisionError: division by zero" in prompt and "return 1 / 0" in prompt
    assert "\x1b[" not in prompt
    assert "Explain briefly what went wrong" in prompt


def test_extension_registers_and_removes_the_error_hook(shell, session):
    extension.load(shell, session)
    try:
        hooks = shell.events.callbacks["post_run_cell"]
        recorders = [h for h in hooks if getattr(h, "__name__", "") == "record"]
        assert len(recorders) == 1
    finally:
        extension.unload(shell)
    assert [h for h in shell.events.callbacks["post_run_cell"] if getattr(h, "__name__", "") == "record"] == []
