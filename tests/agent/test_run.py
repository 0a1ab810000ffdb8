"""One agent call's code run like a cell in a real IPython shell: namespace, output, value, errors, limits."""

from __future__ import annotations

import base64
import os
import signal
import threading
import time

import pytest
from IPython.utils.capture import capture_output

from claude_magic._tool_loop import finish_before_interrupt
from claude_magic.agent.output import call_output
from claude_magic.agent.run import run
from claude_magic.core.content import sniff
from claude_magic.tools.results import RESULT_CHARS


def ran(shell, code: str, timeout_s: float | None = None):
    with capture_output() as shown:
        result = run(code, shell, timeout_s)
    return result, shown


def text_of(output) -> str:
    return output if isinstance(output, str) else "\n".join(b["text"] for b in output if b["type"] == "text")


def images_of(output) -> list[bytes]:
    blocks = [] if isinstance(output, str) else [b for b in output if b["type"] == "image"]
    return [base64.b64decode(b["source"]["data"]) for b in blocks]


def test_a_variable_it_defines_stays_and_what_it_prints_is_kept_and_shown(shell):
    shell.user_ns.pop("agent_total", None)
    result, shown = ran(shell, "agent_total = 6 * 7\nprint('total is', agent_total)")
    assert result.ok and shell.user_ns["agent_total"] == 42
    assert result.printed == "total is 42\n"
    assert shown.stdout == "total is 42\n"  # the user sees it too
    assert text_of(call_output(result)) == "[printed]\ntotal is 42"


def test_the_last_expression_is_the_value_shown_once_and_sent_once(shell):
    result, shown = ran(shell, "values = [3, 4]\nsum(values) * 10")
    assert result.has_value and result.value == 70 and result.printed == ""
    assert [output.data["text/plain"] for output in shown.outputs] == ["70"]
    assert text_of(call_output(result)) == "[value]\n70"


def test_code_that_ends_in_a_statement_or_none_has_no_value(shell):
    for code in ("quiet = 1", "None", "print"):
        result, _ = ran(shell, code)
        assert result.has_value == (code == "print")
    assert "did not end in an expression" in call_output(ran(shell, "quiet = 2")[0])


def test_an_exception_is_its_type_message_and_only_the_users_frames(shell):
    result, shown = ran(shell, "def ratio(a, b):\n    return a / b\n\nprint('before')\nratio(1, 0)")
    assert not result.ok and result.error.type == "ZeroDivisionError"
    frames = result.error.frames
    assert len(frames) == 2 and all(frame.startswith(result.filename) for frame in frames)
    assert frames[-1].endswith("in ratio: return a / b")
    sent = text_of(call_output(result))
    assert sent.startswith("[printed]\nbefore\n[error]\nTraceback (user code")
    assert "ZeroDivisionError: division by zero" in sent and "claude_magic" not in sent
    assert "ZeroDivisionError: division by zero" in shown.stderr


def test_frames_of_functions_from_earlier_cells_are_user_frames(shell):
    shell.run_cell("def cell_helper(x):\n    return x['missing']", store_history=True)
    result, _ = ran(shell, "cell_helper({})")
    assert result.error.type == "KeyError"
    assert result.error.frames[0].startswith(result.filename)
    assert result.error.frames[1].startswith("In [") and "return x['missing']" in result.error.frames[1]


def test_a_syntax_error_names_its_line_and_runs_nothing(shell):
    shell.user_ns.pop("never", None)
    result, _ = ran(shell, "never = 1\nif True print(2)")
    assert result.error.type == "SyntaxError" and "line 2" in result.error.frames[0]
    assert "never" not in shell.user_ns


def test_a_figure_it_draws_goes_back_as_a_png_image(shell):
    result, _ = ran(shell, "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 3, 2])")
    output = call_output(result)
    assert [sniff(data) for data in images_of(output)] == ["image/png"]
    shell.run_cell("plt.close('all')")


def test_a_figure_as_the_last_value_is_one_image_not_two(shell):
    result, _ = ran(shell, "import matplotlib.pyplot as plt\nfig2, ax2 = plt.subplots()\nax2.bar([1], [2])\nfig2")
    output = call_output(result)
    assert len(images_of(output)) == 1 and "[value: an image, below]" in text_of(output)
    shell.run_cell("plt.close('all')")


def test_a_figure_untouched_by_the_call_is_not_sent_again(shell):
    shell.run_cell("import io, matplotlib.pyplot as plt\nold_fig = plt.figure()\nold_fig.savefig(io.BytesIO())")
    result, _ = ran(shell, "unrelated = 1")
    assert result.figures == [] and images_of(call_output(result)) == []
    shell.run_cell("plt.close('all')")


def test_a_large_frame_as_the_last_value_is_a_summary_not_its_rows(shell):
    code = "import pandas as pd\nbig = pd.DataFrame({'region': ['n', 's'] * 500_000, 'units': range(1_000_000)})\nbig"
    result, _ = ran(shell, code)
    sent = text_of(call_output(result))
    assert "1,000,000" in sent.replace("1000000", "1,000,000") and "units" in sent
    assert len(sent) < 20_000 and "999999" in sent  # the tail row, not the middle
    assert "123456" not in sent and sent.count("\n") < 40  # no row from the middle, a few lines in all


def test_huge_output_is_capped_with_a_note_and_still_shown_in_full(shell):
    result, shown = ran(shell, "print('x' * 300_000)")
    sent = call_output(result)
    assert isinstance(sent, str) and len(sent) <= RESULT_CHARS + 200
    assert "characters not kept" in sent
    assert len(shown.stdout) == 300_001


def test_a_lone_surrogate_in_the_output_is_replaced_before_it_is_sent(shell):
    result, _ = ran(shell, "print('bad \\ud800 text')")
    sent = call_output(result)
    assert "bad \ufffd text" in sent
    sent.encode("utf-8")


def test_sys_exit_is_an_error_result_and_the_shell_carries_on(shell):
    result, _ = ran(shell, "import sys\nsys.exit(3)")
    assert result.error.type == "SystemExit" and "sys.exit(3)" in result.error.message
    assert ran(shell, "1 + 1")[0].value == 2


def test_deleting_or_rebinding_get_ipython_is_undone_and_said(shell):
    for code in ("del get_ipython", "get_ipython = lambda: 'hijacked'"):
        result, _ = ran(shell, code)
        assert result.restored == ("get_ipython",)
        assert shell.user_ns["get_ipython"]() is shell
        assert "the kernel put it back" in call_output(result)
    assert ran(shell, "x_ok = 1")[0].restored == ()


def test_the_time_limit_stops_a_sleep_and_a_loop_that_swallows_exceptions(shell):
    handler, (left, _) = signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)  # pytest-timeout's
    swallowing = "while True:\n    try:\n        pass\n    except Exception:\n        pass"
    for code in ("import time\ntime.sleep(60)", swallowing):
        started = time.monotonic()
        result, _ = ran(shell, code, timeout_s=1)
        assert time.monotonic() - started < 10
        assert result.timed_out and "stopped after 1 s (ClaudeMagics.agent_timeout)" in result.error.message
    assert signal.getsignal(signal.SIGALRM) is handler  # the previous handler and timer are back
    assert (signal.getitimer(signal.ITIMER_REAL)[0] > 0) == (left > 0)


def _interrupt_after(seconds: float) -> None:
    threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT)).start()


def test_an_interrupt_stops_the_code_at_once_even_inside_the_loops_deferral(shell):
    said: list[str] = []
    started = time.monotonic()
    _interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt), finish_before_interrupt(said.append):
        ran(shell, "import time\ntime.sleep(60)")
    assert time.monotonic() - started < 10 and said == []  # stopped now, not "after this tool call"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
