"""Benchmark: time `%load_ext claude_magic` against `import anthropic` and `%load_ext jupyter_ai_magics`.

Each measurement runs in a fresh Python process (cold imports, warm disk cache), after IPython
itself is imported and a shell exists, so only the extension's own cost is timed. Every package is
timed from its bytecode, as pip leaves an installed wheel: the children may write .pyc files even
where PYTHONDONTWRITEBYTECODE is set (this machine sets it, so an editable claude_magic would
otherwise be compiled from source on every run while anthropic loads compiled). jupyter-ai's
magics are installed into a throwaway venv under build/ on first run.

Run: .venv/bin/python benchmarks/load_ext.py [--runs 15]
Target: loading claude_magic takes under 5% of the time `import anthropic` takes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JAI_VENV = ROOT / "build" / "bench-jupyter-ai"

SHELL_SETUP = (
    "import time\nfrom IPython.core.interactiveshell import InteractiveShell\nip = InteractiveShell.instance()\n"
)
PROBES = {
    "%load_ext claude_magic": SHELL_SETUP + "t = time.perf_counter(); ip.run_line_magic('load_ext', 'claude_magic')",
    "import anthropic": SHELL_SETUP + "t = time.perf_counter(); import anthropic",
    "%load_ext jupyter_ai_magics": SHELL_SETUP
    + "t = time.perf_counter(); ip.run_line_magic('load_ext', 'jupyter_ai_magics')",
}
TIMER_TAIL = "\nprint(time.perf_counter() - t)"


def time_once(python: str, code: str) -> float:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run(
        [python, "-c", code + TIMER_TAIL], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    return float(out.stdout.strip().splitlines()[-1])


def median_ms(python: str, code: str, runs: int) -> float:
    time_once(python, code)  # warm the disk cache and .pyc files
    return statistics.median(time_once(python, code) for _ in range(runs)) * 1000


def jupyter_ai_python() -> str | None:
    """Python of a throwaway venv with jupyter-ai-magics installed, or None if it cannot be built."""
    python = JAI_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {JAI_VENV} with jupyter-ai-magics (first run only) ...", flush=True)
        venv.create(JAI_VENV, with_pip=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "jupyter-ai-magics", "ipython"], capture_output=True, text=True
        )
        if done.returncode != 0:
            print("could not install jupyter-ai-magics:", done.stderr.strip().splitlines()[-1:])
            return None
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {
        "%load_ext claude_magic": median_ms(sys.executable, PROBES["%load_ext claude_magic"], args.runs),
        "import anthropic": median_ms(sys.executable, PROBES["import anthropic"], args.runs),
    }
    jai = jupyter_ai_python()
    if jai:
        results["%load_ext jupyter_ai_magics"] = median_ms(jai, PROBES["%load_ext jupyter_ai_magics"], args.runs)
    ours = results["%load_ext claude_magic"]
    print(f"\nmedian of {args.runs} cold processes")
    for name, ms in results.items():
        print(f"  {name:30s} {ms:9.1f} ms   claude_magic / this = {ours / ms:6.3f}")
    ratio = ours / results["import anthropic"]
    verdict = "met" if ratio < 0.05 else "MISSED"
    print(f"\ntarget: %load_ext claude_magic < 5% of import anthropic -> {ratio:.1%} ({verdict})")


if __name__ == "__main__":
    main()
