"""Run the simulator in the foreground: `python -m claude_magic.simulator --port 0`."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from . import Simulator


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command-line options: --port, --host and --tokens-per-second."""
    parser = argparse.ArgumentParser(
        prog="python -m claude_magic.simulator",
        description="A local stand-in for Anthropic's Messages API.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--tokens-per-second",
        type=float,
        default=None,
        help="stream replies at this pace, e.g. 100 (default: $CLAUDE_MAGIC_SIM_TPS, else full speed)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGINT or SIGTERM, after printing the one `listening on` line."""
    args = parse_args(argv)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with Simulator(port=args.port, host=args.host, tokens_per_second=args.tokens_per_second) as sim:
        print(f"claude_magic simulator listening on {sim.url}", flush=True)
        while not done.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
