"""Record and replay: an httpx2 transport under the real SDK that saves replies by fingerprint, serves them offline."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from .._transcripts.jsonl import append_record
from ..core.errors import ClaudeMagicError, TranscriptFileError
from ..core.records import FORMAT_VERSION, parse_record

MODES = ("record", "replay", "auto")
RECORDING = "recording"
REPLAY_KEY = "sk-replay-no-network"
REPLAY_URL = "http://replay.invalid"
# Only these response headers are kept; nothing from the request (so no key) is ever stored.
KEPT_HEADERS = ("content-type", "content-encoding", "request-id")
Warn = Callable[[str, str], None]


class ReplayMiss(ClaudeMagicError, anthropic.AnthropicError):
    """A request with no recorded reply in replay mode; nothing was sent."""


def fingerprint(request: httpx2.Request) -> str:
    """sha256 of the canonical (sorted keys, compact) method, path, beta header and JSON body.

    The notebook context blocks are left out: they say what the notebook showed around the cell
    (outputs, timings, addresses), which a rerun of the same notebook does not reproduce exactly.
    """
    body = request.read()
    canonical = {
        "method": request.method,
        "path": request.url.path,
        "beta": request.headers.get("anthropic-beta"),
        "body": _without_notebook_context(json.loads(body)) if body else None,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _without_notebook_context(body: Any) -> Any:
    """The request body with every user turn's notebook context block taken out."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return body
    return {**body, "messages": [_drop_context(message) for message in messages]}


def _drop_context(message: Any) -> Any:
    from ..core.context import OPEN

    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return message
    kept = [b for b in content if not (isinstance(b, dict) and str(b.get("text", "")).startswith(OPEN))]
    return {**message, "content": kept}


def cell_of(request: httpx2.Request) -> str:
    """The first line of the prompt (the last user text block), to name the cell in errors."""
    try:
        content = json.loads(request.read())["messages"][-1]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return request.url.path
    blocks = content if isinstance(content, list) else [{"text": content}]
    texts = [str(block.get("text", "")) for block in blocks if isinstance(block, dict)]
    lines = (texts[-1] if texts else "").strip().splitlines()
    return lines[0][:80] if lines else ""


class Recording:
    """The recorded replies of one file, by fingerprint; new ones are appended as fsync'd lines."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TranscriptFileError(f"Cannot read the recording {self.path}: {error}.") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                record = parse_record(line, number, str(self.path))
                self.entries[str(record["fingerprint"])] = record

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def add(self, key: str, cell: str, response: httpx2.Response, body: bytes) -> None:
        record = {
            "version": FORMAT_VERSION,
            "kind": RECORDING,
            "fingerprint": key,
            "cell": cell,
            "status": response.status_code,
            "headers": {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers},
            **_encode_body(body),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        append_record(self.path, record)
        self.entries[key] = record


class ReplayTransport(httpx2.BaseTransport):
    """Serves recorded replies; forwards misses to a real transport (record/auto) or refuses them (replay)."""

    def __init__(
        self,
        recording: Recording,
        mode: str,
        network: Callable[[], httpx2.BaseTransport] = httpx2.HTTPTransport,
        warn: Warn | None = None,
    ) -> None:
        self.recording, self.mode = recording, mode
        self._warn: Warn = warn or (lambda key, message: None)
        self._make_network = network
        self._network: httpx2.BaseTransport | None = None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        key = fingerprint(request)
        entry = None if self.mode == "record" else self.recording.get(key)
        if entry is not None:
            return _replayed(entry)
        if self.mode == "replay":
            raise ReplayMiss(
                f"No recorded reply in {self.recording.path} for the cell starting {cell_of(request)!r}; "
                "re-record it with %config ClaudeMagics.replay_mode = 'auto' (needs a key or the simulator)."
            )
        return self._forward(request, key)

    def _forward(self, request: httpx2.Request, key: str) -> httpx2.Response:
        if self._network is None:
            self._network = self._make_network()
        response = self._network.handle_request(request)
        if response.status_code != 200:
            return response
        cell = cell_of(request)
        stream = _TeeStream(response.stream, lambda body: self._save(key, cell, response, body))
        return httpx2.Response(200, headers=response.headers, stream=stream, extensions=response.extensions)

    def _save(self, key: str, cell: str, response: httpx2.Response, body: bytes) -> None:
        """Record a complete reply; a failure to save warns, and never costs the reply already received."""
        if not is_complete(response.headers.get("content-type", ""), body):
            return
        try:
            self.recording.add(key, cell, response, body)
        except (OSError, ValueError) as error:
            self._warn(
                f"recording:{error}",
                f"recording to {self.recording.path} failed ({error}); the reply is shown and kept in the chat",
            )

    def close(self) -> None:
        if self._network is not None:
            self._network.close()


class _TeeStream(httpx2.SyncByteStream):
    """Passes the raw reply bytes through as they stream, and saves them once the reply is complete."""

    def __init__(self, inner: Any, on_complete: Callable[[bytes], None]) -> None:
        self._inner, self._on_complete = inner, on_complete

    def __iter__(self) -> Iterator[bytes]:
        chunks = []
        for chunk in self._inner:
            chunks.append(chunk)
            yield chunk
        self._on_complete(b"".join(chunks))

    def close(self) -> None:
        self._inner.close()


def is_complete(content_type: str, body: bytes) -> bool:
    """True for a whole reply: an event stream that reached `message_stop`, or a JSON body that parses."""
    if content_type.startswith("text/event-stream"):
        return b"event: message_stop" in body[-4096:]
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _replayed(entry: dict[str, Any]) -> httpx2.Response:
    return httpx2.Response(int(entry["status"]), headers=entry["headers"], content=_decode_body(entry))


def _encode_body(body: bytes) -> dict[str, str]:
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def _decode_body(entry: dict[str, Any]) -> bytes:
    if "body_base64" in entry:
        return base64.b64decode(entry["body_base64"])
    return str(entry["body"]).encode("utf-8")


def client_options(path: str, mode: str, warn: Warn | None = None) -> dict[str, Any]:
    """Keyword arguments for `anthropic.Anthropic` that route every request through a ReplayTransport."""
    if mode not in MODES:
        raise TranscriptFileError(f"replay_mode must be one of {', '.join(MODES)}, not {mode!r}.")
    transport = ReplayTransport(Recording(path), mode, warn=warn)
    options: dict[str, Any] = {"http_client": anthropic.DefaultHttpxClient(transport=transport)}
    if mode == "replay":
        # Nothing leaves the process, so neither a key nor a reachable URL is needed.
        options.update(api_key=REPLAY_KEY, base_url=REPLAY_URL)
    return options
