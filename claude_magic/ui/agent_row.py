"""The panel's row for one `python` call of `%%claude --agent`: its code, its output, its duration, who approved it.

Live, settled and saved alike (the row is HTML in the panel's body). The code and the output are the model's
and the kernel's: both are rendered escaped or through the sanitiser, never as raw HTML.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..core.tools import ToolCall, result_text
from .safe_html import markdown_html, text_html

AGENT_SOURCE = "agent"  # agent/tool.PythonTool.source: the calls this row draws
ROW_CODE_CHARS = 20_000  # of the code shown in a row (the call ran all of it; the proposed cell holds it all)
ROW_OUTPUT_CHARS = 4_000  # of the result shown in a row (the model got the whole, capped, result)
NOBODY = "denied: nobody could approve it here"  # the gate denied it: no --yes, no session setting, no one to ask


def agent_row_html(call: ToolCall, *, running: bool = False) -> str:
    """A collapsible row: the first line of code and the state in the summary; the code and output inside."""
    code = call.input.get("code")
    code = code if isinstance(code, str) else call.arguments()
    state = "running…" if running else _state(call)
    kind = " claude-tool-error" if call.is_error and not running else ""
    summary = (
        f"<summary><span class='claude-tool-name'>python</span> <code>{text_html(_first_line(code))}</code> "
        f"<span class='claude-tool-state'>{text_html(state)}</span></summary>"
    )
    details = f"<div class='claude-tool-label'>code · {text_html(_who(call))}</div>{code_block(code)}"
    if not running:
        label = "not run · what Claude was told" if call.denied else f"output · {_ran(call)}"
        details += f"<div class='claude-tool-label'>{text_html(label)}</div>"
        details += f"<pre>{text_html(_cut(result_text(call.content), ROW_OUTPUT_CHARS))}</pre>"
    opening = f"<details class='claude-tool claude-agent{kind}' data-tool='{text_html(call.id)}'>"
    return f"{opening}{summary}{details}</details>"


def code_block(code: str) -> str:
    """The code highlighted as Python, as the reply's own code blocks are (sanitised, the panel's colours)."""
    shown = _cut(code, ROW_CODE_CHARS)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    return markdown_html(f"{fence}python\n{shown}\n{fence}\n")


def _state(call: ToolCall) -> str:
    return _who(call) if call.denied else f"{_ran(call)} · {_who(call)}"


def _ran(call: ToolCall) -> str:
    """How the call ended, without who approved it (the row says that once, in its own words)."""
    return replace(call, decided_by="").outcome()


def _who(call: ToolCall) -> str:
    """Who decided, in the gate's words (`ToolCall.decided_by`, set by the tool loop)."""
    if call.denied:
        return f"denied by {call.decided_by}" if call.decided_by else NOBODY
    return f"approved by {call.decided_by}" if call.decided_by else "approved"


def _first_line(code: str) -> str:
    lines = [line for line in code.splitlines() if line.strip()]
    first = lines[0].strip() if lines else "(no code)"
    more = f" … +{len(lines) - 1} lines" if len(lines) > 1 else ""
    return _cut(first, 100) + more


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… {len(text) - limit:,} more characters"
