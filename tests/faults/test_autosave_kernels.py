"""Two real kernels autosaving to one file at once leave valid JSON Lines with every exchange."""

from __future__ import annotations

import json

import pytest
from jupyter_client.manager import start_new_kernel

ROUNDS = 15
SETUP = "%load_ext claude_magic\n%config ClaudeMagics.simulate = True\n%config ClaudeMagics.autosave = {path!r}"
ASK_MANY = (
    "ip = get_ipython()\n"
    "for i in range({rounds}):\n"
    "    ip.run_cell_magic('claude', '--no-stream --chat {name}', f'{name} question {{i}}')\n"
)


@pytest.fixture
def two_kernels(monkeypatch):
    for variable in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)
    kernels = [start_new_kernel(kernel_name="python3") for _ in range(2)]
    yield kernels
    for manager, client in kernels:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_two_kernels_on_one_autosave_file(two_kernels, tmp_path):
    path = tmp_path / "shared.jsonl"
    for _, client in two_kernels:
        assert client.execute_interactive(SETUP.format(path=str(path)), timeout=60)["content"]["status"] == "ok"
    requests = [
        client.execute(ASK_MANY.format(rounds=ROUNDS, name=name))
        for (_, client), name in zip(two_kernels, ("alpha", "beta"), strict=True)
    ]
    for (_, client), msg_id in zip(two_kernels, requests, strict=True):
        reply = client.get_shell_msg(timeout=120)
        assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok"
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    prompts = sorted(record["prompt"] for record in records)
    expected = sorted(f"{name} question {i}" for name in ("alpha", "beta") for i in range(ROUNDS))
    assert prompts == expected and all(record["kind"] == "exchange" for record in records)
