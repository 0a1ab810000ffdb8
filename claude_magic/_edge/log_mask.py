"""Masks header values and the session's credentials in the SDK's and its HTTP client's log records.

With `ANTHROPIC_LOG=debug` (or the `anthropic` logger at DEBUG) the SDK logs each request's options,
extra headers included, and each response's headers. A filter on those loggers rewrites every record
before any handler sees it: header mappings keep their names with masked values, and any credential of
a client the session uses is masked wherever it appears in the message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ..core.platform_registry import REGISTRY

MASK = "****"
LOGGERS = ("anthropic", "httpx", "httpx2", "httpcore")
# Client attributes holding credentials: the Claude API's key and token, and the platform clients'.
CREDENTIALS = tuple(dict.fromkeys(name for platform in REGISTRY.values() for name in platform.secrets))
MIN_SECRET = 8  # shorter strings are masked only inside header mappings, not wherever they appear
_DEPTH = 6  # request options nest headers two levels down; deeper values are left as they are


class HeaderMask(logging.Filter):
    """Rewrites a record's message with header values and known credentials masked; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg = self._scrub(_rendered(record))
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = self._scrub(logging.Formatter().formatException(record.exc_info))
        except Exception:  # a record that cannot be rendered loses its text, never the logging call
            record.msg, record.args = "(log record hidden: it could not be masked)", None
        return True

    def _scrub(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text


_MASK = HeaderMask()
_LOCK = threading.Lock()


def mask_client_logs(client: Any) -> None:
    """Mask `client`'s credentials and every header value in the SDK's log records from now on."""
    found = (getattr(client, name, None) for name in CREDENTIALS)
    with _LOCK:
        _MASK.secrets.update(value for value in found if isinstance(value, str) and len(value) >= MIN_SECRET)
        for logger in _sdk_loggers():
            if _MASK not in logger.filters:
                logger.addFilter(_MASK)


def _sdk_loggers() -> list[logging.Logger]:
    """The SDK's loggers that exist now: a filter on a parent does not see its children's records."""
    names = [name for name in list(logging.Logger.manager.loggerDict) if name.split(".")[0] in LOGGERS]
    return [logging.getLogger(name) for name in {*LOGGERS, *names}]


def _rendered(record: logging.LogRecord) -> str:
    """The record's message with header values masked in its arguments."""
    if not record.args:
        return str(record.msg)
    args = record.args
    masked: Any = _masked(args, 0) if isinstance(args, Mapping) else tuple(_masked(arg, 0) for arg in args)
    return str(record.msg) % masked


def _masked(value: Any, depth: int) -> Any:
    if _is_headers(value):
        return {str(name): MASK for name in value}
    if depth < _DEPTH and isinstance(value, Mapping):
        return {
            key: _header_values(item) if key == "headers" else _masked(item, depth + 1) for key, item in value.items()
        }
    return value


def _header_values(value: Any) -> Any:
    return {str(name): MASK for name in value} if isinstance(value, Mapping) or _is_headers(value) else MASK


def _is_headers(value: object) -> bool:
    """httpx's (and httpx2's) `Headers`, which log as `Headers({...})` with every value."""
    return type(value).__name__ == "Headers" and callable(getattr(value, "keys", None))
