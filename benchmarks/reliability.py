"""Counts the fault suite's cases: tried, handled (one line, ledger row, nothing lost) and lost, per fault file."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

FILES = tuple(sorted(str(path) for path in Path("tests/faults").glob("test_*.py")))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "faults.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *FILES])
        cases = ET.parse(report).getroot().iter("testcase")
        tried, lost = Counter[str](), Counter[str]()
        for case in cases:
            name = str(case.get("classname", "")).rsplit(".", 1)[-1]
            tried[name] += 1
            lost[name] += any(child.tag in ("failure", "error", "skipped") for child in case)
    print("| fault file | tried | handled | lost |\n|---|---|---|---|")
    for name in sorted(tried):
        print(f"| {name} | {tried[name]} | {tried[name] - lost[name]} | {lost[name]} |")
    total, missed = sum(tried.values()), sum(lost.values())
    print(f"| all | {total} | {total - missed} | {missed} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
