"""Defaults that settings share with the code that uses them (the tool loop, approvals, the agent, the context).

Data only and no imports, so the `%config` traits can name them without loading that code at `%load_ext`.
"""

from __future__ import annotations

DEFAULT_MAX_ROUNDS = 10  # tool-loop rounds a cell may take (--max-tool-rounds, ClaudeMagics.max_tool_rounds)
APPROVAL_TIMEOUT_S = 120.0  # --confirm denies a call nobody approved or denied within this
AGENT_APPROVALS = ("ask", "session")  # ClaudeMagics.agent_approval: only the user's own %config may say "session"
DEFAULT_CONTEXT_TOKENS = 1_500  # the most tokens one cell's notebook context takes (ClaudeMagics.context_tokens)
