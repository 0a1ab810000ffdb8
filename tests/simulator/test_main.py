"""`python -m claude_magic.simulator` as a foreground process."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anthropic
import pytest

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"claude_magic simulator listening on (http://127\.0\.0\.1:\d+)\n")


@contextmanager
def simulator_process(*options: str) -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "claude_magic.simulator", "--port", "0", *options]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_module_prints_its_url_serves_and_stops_on_signal(stop_signal):
    with simulator_process() as process:
        line = process.stdout.readline()
        match = LINE.fullmatch(line)
        assert match, line
        client = anthropic.Anthropic(base_url=match.group(1), api_key="sk-test", max_retries=0)
        message = client.messages.create(
            model="claude-haiku-5-5", max_tokens=1024, messages=[{"role": "user", "content": "ping"}]
        )
        assert message.content[-1].text.startswith('**[Simulated reply]** You asked: "ping"')
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
        assert process.stderr.read() == ""


def test_tokens_per_second_option_paces_the_stream():
    with simulator_process("--tokens-per-second", "200") as process:
        match = LINE.fullmatch(process.stdout.readline())
        assert match
        client = anthropic.Anthropic(base_url=match.group(1), api_key="sk-test", max_retries=0)
        began = time.monotonic()
        with client.messages.stream(
            model="claude-haiku-5-5", max_tokens=4096, messages=[{"role": "user", "content": "ping"}]
        ) as stream:
            text = stream.get_final_text()
        elapsed = time.monotonic() - began
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert elapsed >= 0.8 * len(text) / 4 / 200  # the text alone, at 200 tokens/s
