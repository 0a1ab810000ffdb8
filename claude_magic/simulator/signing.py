"""Thinking signatures and redacted-thinking data the simulator issues, and checks when they come back."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET = secrets.token_bytes(32)  # per process: a signature from another process never verifies
PREFIX = "Sim"
_DIGEST = 16


def sign_thinking(full: str, shown: str) -> str:
    """A signature over the thinking text the client sees (`""` when display is omitted)."""
    digest = hashlib.sha256(full.encode()).digest()[:_DIGEST]
    return _encode(digest + _mac(b"thinking", digest, shown.encode()))


def thinking_is_genuine(shown: str, signature: object) -> bool:
    """True when `signature` is one this process issued for exactly this thinking text."""
    raw = _decode(signature)
    if raw is None or len(raw) <= _DIGEST:
        return False
    digest, mac = raw[:_DIGEST], raw[_DIGEST:]
    return hmac.compare_digest(mac, _mac(b"thinking", digest, shown.encode()))


def redacted_data(seed: str) -> str:
    """Opaque `redacted_thinking.data` that only this process can vouch for."""
    nonce = hashlib.sha256(seed.encode()).digest()[:_DIGEST]
    return _encode(nonce + _mac(b"redacted", nonce, b""))


def redacted_is_genuine(data: object) -> bool:
    """True when `data` is redacted thinking this process issued, unmodified."""
    raw = _decode(data)
    if raw is None or len(raw) <= _DIGEST:
        return False
    return hmac.compare_digest(raw[_DIGEST:], _mac(b"redacted", raw[:_DIGEST], b""))


def issued_here(value: object) -> bool:
    """True for a signature or data in this simulator's format; a real API's (a recording's) is not checkable here."""
    return isinstance(value, str) and value.startswith(PREFIX)


def _mac(kind: bytes, digest: bytes, text: bytes) -> bytes:
    return hmac.new(SECRET, kind + b"\0" + digest + text, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return PREFIX + base64.b64encode(raw).decode()


def _decode(value: object) -> bytes | None:
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    try:
        return base64.b64decode(value[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return None


def seal_compaction(content: str | None) -> str:
    """A compaction block's `encrypted_content`: a digest of its summary, sealed by this process."""
    digest = hashlib.sha256((content or "").encode()).digest()[:_DIGEST]
    return _encode(digest + _mac(b"compaction", digest, b""))


def compaction_problem(content: str | None, sealed: object) -> str | None:
    """None when `sealed` is this process's seal over exactly `content`, else the API's error code."""
    raw = _decode(sealed)
    if raw is None or len(raw) <= _DIGEST:
        return "compaction_signature_invalid"
    if not hmac.compare_digest(raw[_DIGEST:], _mac(b"compaction", raw[:_DIGEST], b"")):
        return "compaction_signature_invalid"
    if raw[:_DIGEST] != hashlib.sha256((content or "").encode()).digest()[:_DIGEST]:
        return "compaction_content_mismatch"
    return None
