"""The README cannot drift from the repository: its commands, its links and its pictures.

- The first code block is exactly `make demo` and `make test` (comments aside).
- Every relative link, and every `notebooks/…ipynb` path it names, is a file in the repository.
- Every picture is a file under docs/, named as a browser test writes it: the names come from the
  `screenshot_path(...)` calls in tests/browser, read with `ast`, f-string parts standing for any
  name part. `make screenshots` copies them there from build/screenshots/.
- docs/comparison.md names its check date and carries no path from the machine it was written on;
  every relative link in docs/*.md resolves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BROWSER_TESTS = ROOT / "tests" / "browser"

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)\)")
NOTEBOOK_PATH = re.compile(r"\bnotebooks/[\w./-]+\.ipynb\b")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def links(text: str) -> list[tuple[bool, str]]:
    """(is_image, target) for each Markdown link, without its #anchor."""
    return [(bang == "!", target.split("#")[0]) for bang, target in LINK.findall(text)]


def anchored_links(text: str) -> list[tuple[str, str]]:
    """(file, anchor) for each local Markdown link to a heading of a .md file."""
    found = []
    for _, target in LINK.findall(text):
        path, _, anchor = target.partition("#")
        if anchor and path.endswith(".md") and is_local(path):
            found.append((path, anchor))
    return found


def heading_slugs(markdown: str) -> set[str]:
    """GitHub's anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def is_local(target: str) -> bool:
    return bool(target) and not re.match(r"[a-z][a-z0-9+.-]*:", target)


def screenshot_name_patterns() -> list[re.Pattern[str]]:
    """One pattern per `screenshot_path(...)` call in tests/browser: literal text, f-string holes as [\\w-]+."""
    patterns = []
    for source in BROWSER_TESTS.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "screenshot_path" and node.args:
                pattern = name_pattern(node.args[0])
                if pattern is not None:
                    patterns.append(re.compile(pattern))
    return patterns


def name_pattern(argument: ast.expr) -> str | None:
    """The regex a name argument can match; None for names built otherwise (the failed-<test> pictures)."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return re.escape(argument.value)
    if isinstance(argument, ast.JoinedStr):
        parts = [re.escape(part.value) if isinstance(part, ast.Constant) else r"[\w-]*" for part in argument.values]
        return "".join(parts)
    return None


def test_the_first_code_block_is_the_two_commands() -> None:
    first = FENCE.search(readme())
    assert first, "the README has no code block"
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"], commands


def test_every_relative_link_and_named_notebook_exists() -> None:
    text = readme()
    targets = {target for _, target in links(text) if is_local(target)} | set(NOTEBOOK_PATH.findall(text))
    assert any(t.startswith("notebooks/") for t in targets) and "docs/reference.md" in targets, sorted(targets)
    missing = sorted(t for t in targets if not (ROOT / t).exists())
    assert missing == [], f"the README links to files that do not exist: {missing}"


def test_every_link_to_a_heading_finds_it() -> None:
    anchored = anchored_links(readme())
    assert anchored, "the README links to no heading of a doc"
    for path, anchor in anchored:
        slugs = heading_slugs((ROOT / path).read_text(encoding="utf-8"))
        assert anchor in slugs, f"{path} has no heading #{anchor}"


def test_every_picture_is_under_docs_and_is_one_a_browser_test_takes() -> None:
    images = [target for is_image, target in links(readme()) if is_image]
    assert images, "the README shows no picture"
    patterns = screenshot_name_patterns()
    assert patterns, "no screenshot_path(...) call found in tests/browser"
    for image in images:
        path = ROOT / image
        assert path.parent == ROOT / "docs" / "screenshots", f"{image} is not under docs/screenshots/"
        assert path.is_file(), f"{image} is missing: run `make screenshots`"
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), f"{image} is not a PNG"
        assert any(p.fullmatch(path.stem) for p in patterns), f"no browser test writes {path.name}"


def test_the_themes_shown_are_both_taken() -> None:
    images = {Path(target).stem for is_image, target in links(readme()) if is_image}
    assert {"panel-light", "panel-dark", "settings", "dashboard"} <= images, sorted(images)


def test_the_comparison_is_dated_and_carries_no_local_paths() -> None:
    comparison = (ROOT / "docs" / "comparison.md").read_text(encoding="utf-8")
    assert "checked on 2026-11-22" in comparison.lower()
    assert not re.search(r"(?<![\w.])/(tmp|work|home|root)/", comparison), "a local path in docs/comparison.md"
    assert "docs/comparison.md" in readme()


def test_every_relative_link_in_docs_exists() -> None:
    for page in sorted((ROOT / "docs").glob("*.md")):
        targets = {target for _, target in links(page.read_text(encoding="utf-8")) if is_local(target)}
        missing = sorted(t for t in targets if not (page.parent / t).exists())
        assert missing == [], f"{page.name} links to files that do not exist: {missing}"
