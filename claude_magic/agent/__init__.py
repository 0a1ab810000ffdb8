"""The agent: Claude writes Python that runs, once approved, like a cell in the user's live namespace.

`tool.PythonTool` is the built-in `python` tool (a `tools.Tool`, so it joins a cell's `ToolSet`);
`gate.AgentGate` is the approver every call of the cell passes (`--yes`, the session's
`agent_approval`, or the user's answer) and keeps a `records.AgentRecord` per call; `run.run`
executes one call's code; `output.call_output` turns what it did into `tool_result` content;
`records.proposed_cell` writes the code that ran as the next cell. The only code that runs is
the input of a tool_use block the gate approved in this cell (`tool.PythonTool.call`).
"""
