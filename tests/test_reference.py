"""docs/reference.md is generated from the definitions; it must match them and name what users can type."""

from __future__ import annotations

import re
from pathlib import Path

from claude_magic.ipython import options
from claude_magic.ipython.docgen import render

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference.md"
REGENERATE = "run: python -m claude_magic.ipython.docgen docs/reference.md"


def test_committed_reference_matches_the_definitions() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(), REGENERATE


def test_every_flag_in_the_magics_help_is_in_the_reference() -> None:
    help_text = options.parser().format_help()  # what `%%claude?` shows
    flags = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", help_text))
    reference = REFERENCE.read_text(encoding="utf-8")
    missing = sorted(flag for flag in flags if f"`{flag}`" not in reference)
    assert flags and not missing, missing


def test_every_config_setting_is_in_the_reference() -> None:
    from claude_magic.ipython.magics import ClaudeMagics

    names = [name for name, trait in ClaudeMagics.class_traits().items() if trait.metadata.get("config")]
    reference = REFERENCE.read_text(encoding="utf-8")
    assert "model" in names and [name for name in names if f"| `{name}` |" not in reference] == []
