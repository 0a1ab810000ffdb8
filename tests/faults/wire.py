"""A loopback server for faults the simulator cannot produce: raw bodies, stalls, cuts of its streams at any phase."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# A fault: given the handler and the simulator's SSE frames for this request, write (part of) a response.
Fault = Callable[["_Handler", list[bytes]], None]


@dataclass
class Wire:
    """The base URL of a running fault server and how many requests reached it."""

    url: str
    requests: list[bytes]


def frames_of(body: bytes) -> list[bytes]:
    """The SSE frames of a stream body, each with its blank-line terminator."""
    return [frame + b"\n\n" for frame in body.split(b"\n\n") if frame.strip()]


def event_name(frame: bytes) -> str:
    first = frame.split(b"\n", 1)[0]
    return first.removeprefix(b"event: ").decode() if first.startswith(b"event: ") else ""


def delta_type(frame: bytes) -> str:
    for kind in ("thinking_delta", "text_delta", "input_json_delta"):
        if kind.encode() in frame:
            return kind
    return ""


def cut_before(predicate: Callable[[bytes], bool], frames: list[bytes]) -> list[bytes]:
    """The frames before the first one matching `predicate`, plus that one (the cut falls just after it)."""
    for index, frame in enumerate(frames):
        if predicate(frame):
            return frames[: index + 1]
    return frames


def stream_then(frames: list[bytes], *, reset: bool, pause_s: float = 0.0) -> Fault:
    """Send a 200 SSE response of `frames`, wait `pause_s`, then close cleanly (final chunk) or reset."""

    def fault(handler: _Handler, _: list[bytes]) -> None:
        handler.start(200, "text/event-stream", chunked=True)
        for frame in frames:
            handler.chunk(frame)
        time.sleep(pause_s)
        handler.end(reset=reset)

    return fault


def cut_stream(predicate: Callable[[bytes], bool], *, reset: bool, pause_s: float = 0.0) -> Fault:
    """Forward the simulator's stream up to and including the first frame matching `predicate`, then cut."""

    def fault(handler: _Handler, frames: list[bytes]) -> None:
        stream_then(cut_before(predicate, frames), reset=reset, pause_s=pause_s)(handler, frames)

    return fault


def forward() -> Fault:
    """Forward the simulator's whole stream: the healthy case."""

    def fault(handler: _Handler, frames: list[bytes]) -> None:
        stream_then(frames, reset=False)(handler, frames)

    return fault


def raw(status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> Fault:
    """Send one complete response."""

    def fault(handler: _Handler, _: list[bytes]) -> None:
        handler.start(status, content_type, length=len(body), headers=headers)
        handler.wfile.write(body)
        handler.wfile.flush()

    return fault


def stall(seconds: float) -> Fault:
    """Read the request, then send nothing for `seconds` and hang up."""

    def fault(handler: _Handler, _: list[bytes]) -> None:
        time.sleep(seconds)
        handler.end(reset=True)

    return fault


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self.close_connection = True
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append(body)
        faults = self.server.faults
        fault = faults.pop(0) if len(faults) > 1 else faults[0]
        fault(self, self._upstream(body) if self.server.upstream else [])

    do_GET = do_POST  # the Batches and Models APIs' reads meet the same faults

    def _upstream(self, body: bytes) -> list[bytes]:
        """The simulator's complete response frames to the same request."""
        parts = urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        data = conn.getresponse().read()
        conn.close()
        return frames_of(data)

    def start(
        self, status: int, content_type: str, *, chunked: bool = False, length: int = 0, headers: Any = None
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("request-id", "req_wire_0001")
        self.send_header("Connection", "close")  # each fault gets a fresh connection; none is reused half-closed
        self.send_header("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end(self, *, reset: bool) -> None:
        """Finish a chunked body cleanly, or reset the connection (RST) mid-body."""
        if not reset:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # the client hung up first, e.g. after its own timeout
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, faults: list[Fault], upstream: str | None) -> None:
        self.faults, self.upstream = faults, upstream
        self.requests: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Handler)


@contextmanager
def serve(*faults: Fault, upstream: str | None = None) -> Iterator[Wire]:
    """Serve `faults` in turn to requests (the last one repeats); `upstream` is the simulator to cut streams from."""
    server = _Server(list(faults), upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield Wire(f"http://127.0.0.1:{server.server_address[1]}", server.requests)
    finally:
        server.shutdown()
        server.server_close()


def refused_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
