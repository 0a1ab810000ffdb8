"""The project files the user trusted (`%claude trust`): each file's path and the SHA-256 of its bytes then.

The store is the user's own file (CLAUDE_MAGIC_TRUST_FILE, else the user's config folder); it is
replaced atomically, and one that is unreadable, too large or malformed counts as empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

TRUST_FILE_ENV = "CLAUDE_MAGIC_TRUST_FILE"
MAX_STORE_BYTES = 1 << 20  # a store of a thousand projects is under 200 kB
_DIGEST = re.compile(r"[0-9a-f]{64}")


def store_path() -> Path:
    """Where trust is remembered: CLAUDE_MAGIC_TRUST_FILE, else claude_magic/trusted.json in the config folder."""
    override = os.environ.get(TRUST_FILE_ENV)
    if override:
        return Path(override)
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "claude_magic" / "trusted.json"


def trusted_files() -> dict[str, str]:
    """{path of a trusted project file: the SHA-256 it had}; empty when the store is missing or malformed."""
    try:
        with store_path().open("rb") as file:
            data = file.read(MAX_STORE_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_STORE_BYTES:
        return {}
    try:
        stored = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    files = stored.get("files") if isinstance(stored, dict) else None
    if not isinstance(files, dict):
        return {}
    return {path: digest for path, digest in files.items() if isinstance(digest, str) and _DIGEST.fullmatch(digest)}


def is_trusted(path: Path, digest: str) -> bool:
    """True when the user trusted `path` while its bytes had this SHA-256."""
    return trusted_files().get(str(path)) == digest


def remember(path: Path, digest: str) -> None:
    """Trust `path` with these bytes from now on (OSError when the store cannot be written)."""
    _write({**trusted_files(), str(path): digest})


def forget(path: Path) -> bool:
    """Trust `path` no more; False when it was not trusted."""
    files = trusted_files()
    if files.pop(str(path), None) is None:
        return False
    _write(files)
    return True


def _write(files: dict[str, str]) -> None:
    target = store_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".trusted-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"version": 1, "files": files}, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
