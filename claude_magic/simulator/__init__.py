"""A local stand-in for Anthropic's Messages API, served over loopback for tests and offline demos."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType

from .cache import PromptCache
from .pace import tokens_per_second as pace_from
from .script import BatchOutcome, BatchScript, RecordedRequest, ScriptedError, ScriptedReply
from .server import SimServer
from .state import SimState

__all__ = ["BatchOutcome", "BatchScript", "RecordedRequest", "ScriptedError", "ScriptedReply", "Simulator"]


class Simulator:
    """A Messages API server on a background daemon thread; `port=0` picks a free port.

    `tokens_per_second` paces streamed replies like a model (about 100 for today's models);
    None reads $CLAUDE_MAGIC_SIM_TPS, and when that is unset too, streams at full speed.
    `batch_delay_s` is how long a Message Batch takes to process (0: it has ended when created);
    its requests finish evenly over that time (see `batches.py`).
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        tokens_per_second: float | None = None,
        batch_delay_s: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self._requested_port = port
        self._state = SimState(pace_from(tokens_per_second), batch_delay_s)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        """Bind and serve in the background; returns self. Starting twice is a no-op."""
        if self._server is None:
            self._server = SimServer((self.host, self._requested_port), self._state)
            self.port = int(self._server.server_address[1])
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"claude_magic-simulator-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and close the listening socket. Idempotent."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def url(self) -> str:
        """The base URL to give the SDK, e.g. `http://127.0.0.1:54321`."""
        if self._server is None:
            raise RuntimeError("Simulator is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._server is not None

    @property
    def tokens_per_second(self) -> float | None:
        """The streaming pace in tokens per second, or None for full speed."""
        return self._state.tokens_per_second

    @property
    def cache(self) -> PromptCache:
        """The simulated prompt cache (set `cache.clock` to control time in tests)."""
        return self._state.cache

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a snapshot copy)."""
        return self._state.requests()

    def queue(self, script: ScriptedReply | ScriptedError) -> None:
        """Serve `script` to a coming `POST /v1/messages` instead of the default reply (FIFO)."""
        self._state.queue(script)

    def script_batch(self, outcomes: Mapping[str, BatchOutcome] | None = None, *, delay_s: float | None = None) -> None:
        """Script the next `POST /v1/messages/batches` (FIFO): outcomes by `custom_id`, and its delay.

        An outcome is a ScriptedReply (succeeds with it), a ScriptedError or "errored" (ends
        errored), or "expired"; see `BatchScript`.
        """
        self._state.batches.queue(BatchScript(dict(outcomes or {}), delay_s))

    @property
    def batch_delay_s(self) -> float:
        """How long a batch takes to process unless its script says otherwise; settable."""
        return self._state.batches.delay_s

    @batch_delay_s.setter
    def batch_delay_s(self, seconds: float) -> None:
        self._state.batches.delay_s = max(0.0, seconds)

    def reset(self) -> None:
        """Clear the script queues, the request log and the batches; ids restart at `req_sim_00000001`."""
        self._state.reset()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<Simulator {where}>"
