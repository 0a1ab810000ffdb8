"""The HTTP server and request handler: routing, auth, bodies, JSON and chunked SSE responses."""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import compaction, platforms
from . import events as ev
from .batch_api import PREFIX
from .betas import betas_of, check_metadata
from .errors import ApiError, error_body, not_found
from .models_api import find_model, model_object, models_page
from .pace import delta_seconds
from .replies import default_reply, scripted_reply, wants_thinking
from .script import RecordedRequest, ScriptedError, ScriptedReply
from .sse import LAST_CHUNK, chunk, dumps, frame
from .state import SimState
from .usage import cached_input_usage, estimate_input_tokens, usage_meta
from .validate import (
    check_auth,
    check_size,
    check_version,
    parse_body,
    validate_count,
    validate_create,
)

REDACTED = ("authorization", "x-api-key", "api-key", "x-amz-security-token")
Headers = dict[str, str]


class SimServer(ThreadingHTTPServer):
    """A threading HTTP server that owns a SimState and can cut every open connection."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        self.state = state
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS lookup of the host name."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up (normal after an interrupted stream); report anything else."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def track(self, conn: socket.socket, open_: bool) -> None:
        """Remember (or forget) an open client connection."""
        with self._conns_lock:
            (self._conns.add if open_ else self._conns.discard)(conn)

    def close_connections(self) -> None:
        """Shut down every open client connection, e.g. idle keep-alive ones, on stop()."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            _shutdown(conn)


class Handler(BaseHTTPRequestHandler):
    """One connection: HTTP/1.1 keep-alive; streams use chunked transfer encoding."""

    protocol_version = "HTTP/1.1"
    server: SimServer
    _started = False  # True once the status line of the current response is written
    _platform: str | None = None  # the cloud platform whose route the current request took

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and notebooks share the terminal."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _serve(self) -> None:
        number = self.server.state.next_number()
        request_id = f"req_sim_{number:08d}"
        raw = self._read_body()
        self._record(raw)
        self._started, self._platform = False, None
        try:
            self._route(number, request_id, raw)
        except ApiError as err:
            self._send_error(err, request_id)
        except OSError:  # the client hung up, e.g. an interrupted stream
            self.close_connection = True
        except Exception as exc:
            self._report_bug(exc, request_id)

    def _report_bug(self, exc: Exception, request_id: str) -> None:
        """A simulator bug: print it, and answer 500 if the response has not started."""
        traceback.print_exc()
        self.close_connection = True
        if not self._started:
            self._send_error(ApiError(500, "api_error", f"simulator error: {exc!r}"), request_id)

    def _route(self, number: int, request_id: str, raw: bytes) -> None:
        headers = self._headers()
        url = urlsplit(self.path)
        platform = platforms.match(url.path.rstrip("/"))
        if platform is not None:
            return self._platform_route(platform, headers, number, request_id, raw)
        check_auth(headers)
        check_version(headers)
        route = (self.command, url.path.rstrip("/"))
        if route == ("POST", "/v1/messages"):
            return self._messages(number, request_id, raw)
        if url.path.startswith(PREFIX):
            return self._batches(url.path.rstrip("/"), dict(parse_qsl(url.query)), raw, request_id)
        if route == ("POST", "/v1/messages/count_tokens"):
            return self._count_tokens(request_id, raw)
        if route == ("GET", "/v1/models"):
            return self._send_json(200, models_page(dict(parse_qsl(url.query))), request_id)
        if self.command == "GET" and url.path.startswith("/v1/models/"):
            return self._model(unquote(url.path[len("/v1/models/") :]), request_id)
        raise not_found(f"Not found: {self.command} {url.path}")

    def _platform_route(
        self, route: platforms.PlatformRoute, headers: Headers, number: int, request_id: str, raw: bytes
    ) -> None:
        """A Bedrock, Vertex AI or Foundry request: its auth shape, its limits, then the Messages handling."""
        self._platform = route.platform
        platforms.check_auth(route, headers)
        if route.platform == "foundry" and (self.command, route.rest) == ("POST", "/v1/messages"):
            check_version(headers)
            return self._messages(number, request_id, raw, route)
        if (route.platform, self.command, route.rest) == ("vertex", "POST", platforms.COUNT_TOKENS):
            return self._count_tokens(request_id, raw, route)
        if route.platform == "foundry" or self.command != "POST":
            raise not_found(f"Not found on {route.platform}: {self.command} {self.path}")
        return self._messages(number, request_id, raw, route)

    def _messages(self, number: int, request_id: str, raw: bytes, route: platforms.PlatformRoute | None = None) -> None:
        error = self.server.state.take_error()
        if error is not None:
            raise scripted_error(error)
        check_size(len(raw))
        body = parse_body(raw)
        if route is not None:
            body = platforms.messages_body(route, body)
            platforms.check_limits(route, body)
        info = validate_create(body)
        check_metadata(body)
        compacting = compaction.plan(body, betas_of(self._headers()))
        body = compacting.body  # what the model reads: a returned or new compaction replaces the earlier turns
        script = self.server.state.take_reply()
        msg_id = f"msg_sim_{number:08d}"
        reply = scripted_reply(script, msg_id, wants_thinking(body, info)) if script else default_reply(body, info)
        inputs, diagnostics = cached_input_usage(self.server.state.cache, body, info, msg_id)
        inputs = {**inputs, **usage_meta(body)}
        reply = compaction.with_compaction(reply, compacting, inputs)
        if body.get("stream") is True:
            events = ev.stream_events(reply, msg_id, body["model"], inputs, diagnostics)
            return self._stream(events, script, request_id)
        self._send_json(200, ev.message_json(reply, msg_id, body["model"], inputs, diagnostics), request_id)

    def _count_tokens(self, request_id: str, raw: bytes, route: platforms.PlatformRoute | None = None) -> None:
        check_size(len(raw))
        body = parse_body(raw)
        if route is not None:
            body = platforms.count_body(route, body)
        validate_count(body)
        self._send_json(200, {"input_tokens": estimate_input_tokens(body)}, request_id)

    def _batches(self, path: str, query: dict[str, str], raw: bytes, request_id: str) -> None:
        answer = self.server.state.batches.serve(self.command, path, query, raw, self._base_url())
        if isinstance(answer, bytes):
            return self._send_bytes(answer, "application/binary", request_id)
        self._send_json(200, answer, request_id)

    def _base_url(self) -> str:
        """This server's absolute URL as the client addressed it (the Host header), for `results_url`."""
        host = self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        return f"http://{host}"

    def _model(self, model_id: str, request_id: str) -> None:
        info = find_model(model_id)
        if info is None:
            raise not_found(f"model: {model_id}")
        self._send_json(200, model_object(info), request_id)

    def _stream(self, events: list[ev.Event], script: ScriptedReply | None, request_id: str) -> None:
        """Write the events as SSE; a script may fail (event: error) or drop the connection mid-text."""
        ending, limit = stream_ending(script)
        if limit is not None:
            events = ev.cut_after_chars(events, limit)
        if ending == "fail" and script is not None:
            events.append(("error", error_body(script.error_type, script.error_message, request_id)))
        delay = script.delay_s if script else 0.0
        rate = self.server.state.tokens_per_second
        bedrock = self._platform == "bedrock"
        content_type = "application/vnd.amazon.eventstream" if bedrock else "text/event-stream"
        self._start(200, content_type, request_id, {"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"})
        for name, data in events:
            if name == "content_block_delta":
                time.sleep(max(delay, delta_seconds(data, rate)))
            self.wfile.write(chunk(_bedrock_frame(name, data) if bedrock else frame(name, data)))
        if ending == "drop":
            return self._drop()
        self.wfile.write(LAST_CHUNK)

    def _drop(self) -> None:
        """Close the socket without the final chunk, so the client sees a truncated body."""
        self.close_connection = True
        _shutdown(self.connection)

    def _send_error(self, err: ApiError, request_id: str) -> None:
        if self._platform is not None:
            body, extra = platforms.error_response(self._platform, err, request_id)
            return self._send_json(err.status, body, request_id, {**err.headers, **extra})
        body = error_body(err.type, err.message, request_id, err.details)
        self._send_json(err.status, body, request_id, err.headers)

    def _send_json(self, status: int, data: dict[str, Any], request_id: str, extra: Headers | None = None) -> None:
        payload = dumps(data).encode()
        headers = {"Content-Length": str(len(payload)), **(extra or {})}
        self._start(status, "application/json", request_id, headers)
        self.wfile.write(payload)

    def _send_bytes(self, payload: bytes, content_type: str, request_id: str) -> None:
        self._start(200, content_type, request_id, {"Content-Length": str(len(payload))})
        self.wfile.write(payload)

    def _start(self, status: int, content_type: str, request_id: str, extra: dict[str, str]) -> None:
        self._started = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("request-id", request_id)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _record(self, raw: bytes) -> None:
        headers = {k: ("<redacted>" if k in REDACTED else v) for k, v in self._headers().items()}
        request = RecordedRequest(self.command, self.path, headers, _json_object(raw), raw)
        self.server.state.record(request)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            parts.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailer lines, then the blank line
            pass
        return b"".join(parts)


def scripted_error(script: ScriptedError) -> ApiError:
    """The ApiError a ScriptedError stands for, with its retry headers."""
    headers: dict[str, str] = {}
    if script.retry_after_ms is not None:
        headers["retry-after-ms"] = str(script.retry_after_ms)
    if script.should_retry is not None:
        headers["x-should-retry"] = "true" if script.should_retry else "false"
    return ApiError(script.status, script.type, script.message, headers)


def _bedrock_frame(name: str, data: dict[str, Any]) -> bytes:
    """A Messages event as Bedrock streams it; an `error` event becomes an event-stream exception."""
    if name == "error":
        return platforms.event_stream_exception("internalServerException", str(data["error"]["message"]))
    return platforms.event_stream_chunk(data)


def stream_ending(script: ScriptedReply | None) -> tuple[str, int | None]:
    """How a stream ends ("done", "fail" or "drop") and after how many text characters."""
    if script is None:
        return "done", None
    fail, drop = script.fail_after_chars, script.drop_after_chars
    if drop is not None and (fail is None or drop <= fail):
        return "drop", drop
    if fail is not None:
        return "fail", fail
    return "done", None


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
