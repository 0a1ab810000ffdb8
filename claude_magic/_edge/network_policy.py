"""Per-call network policy: timeouts, retries and the retry-after cap, applied to any SDK client through middleware."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..core.errors import (
    API_MESSAGE_CHARS,
    ClaudeMagicError,
    RequestFailed,
    RequestTimedOut,
    describe_api_error,
    one_line,
)

if TYPE_CHECKING:
    import httpx2

Announce = Callable[[str], None]
# Statuses the SDK retries (SDK 2.12.0 `_should_retry`), unless `x-should-retry` says otherwise.
RETRIED_STATUSES = (408, 409, 429)
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class NetworkPolicy:
    """How long to wait and how often to retry; None keeps the client's own setting."""

    timeout: float | None = 60.0  # read/write seconds: the longest wait for the next piece of the reply
    max_retries: int | None = None  # None: the client's own (the SDK's default is 2)
    retry_on_timeout: bool = False  # after a timeout before the reply starts, one more attempt with no read limit
    max_retry_wait: float = 60.0  # a longer retry-after fails at once instead of sleeping

    def with_changes(self, **changes: Any) -> NetworkPolicy:
        policy = replace(self, **changes)
        policy.check()
        return policy

    def check(self) -> None:
        from ..core.errors import SettingsError

        if self.timeout is not None and not self.timeout > 0:
            raise SettingsError(f"timeout must be more than 0 seconds (or None for no limit), not {self.timeout}")
        if self.max_retries is not None and self.max_retries < 0:
            raise SettingsError(f"max_retries must be 0 or more, not {self.max_retries}")
        if not self.max_retry_wait >= 0:
            raise SettingsError(f"max_retry_wait must be 0 or more seconds, not {self.max_retry_wait}")

    def sdk_timeout(self, *, unlimited_read: bool = False) -> httpx2.Timeout | None:
        import httpx2

        if self.timeout is None:
            return None
        read = None if unlimited_read else self.timeout
        return httpx2.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT_S), read=read)


class TimedOut(Exception):
    """Raised by the middleware for a timed-out attempt, so the SDK does not retry it (a RequestTimedOut follows)."""


class RetryWaitTooLong(RequestFailed):
    """The API asked to wait longer than `max_retry_wait` before retrying; the call fails at once."""


def prepare_client(client: Any, policy: NetworkPolicy, announce: Announce, *, unlimited_read: bool = False) -> Any:
    """`client` with the policy's timeout and retries, and middleware that watches each attempt."""
    retries = policy.max_retries if policy.max_retries is not None else int(getattr(client, "max_retries", 2))
    watch = AttemptWatch(policy, announce, retries)
    options: dict[str, Any] = {"middleware": [*getattr(client, "middleware", ()), watch], "max_retries": retries}
    if policy.timeout is not None:
        options["timeout"] = policy.sdk_timeout(unlimited_read=unlimited_read)
    return client.with_options(**options)


class AttemptWatch:
    """SDK middleware run once per attempt: announces retries, caps retry-after, stops retries of timeouts."""

    def __init__(self, policy: NetworkPolicy, announce: Announce, max_retries: int) -> None:
        self.policy, self.announce, self.max_retries = policy, announce, max_retries

    def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        import anthropic

        max_retries = self.max_retries
        left = max_retries - request.retries_taken
        try:
            response = call_next(request)
        except anthropic.APITimeoutError:
            raise TimedOut() from None  # from None: the SDK retries anything whose cause chain holds a timeout
        except anthropic.APIConnectionError:
            if left > 0:
                attempt = request.retries_taken + 2
                self.announce(f"retrying after a connection error, attempt {attempt} of {max_retries + 1}")
            raise
        if left > 0 and will_retry(response.http_response):
            self._before_retry(response.http_response, request.retries_taken + 2, max_retries + 1)
        return response

    def _before_retry(self, response: httpx2.Response, attempt: int, attempts: int) -> None:
        wait = retry_after_s(response.headers)
        if wait is not None and wait > self.policy.max_retry_wait:
            raise too_long(response, wait, self.policy.max_retry_wait)
        pause = f" in {wait:.0f} s" if wait is not None and wait >= 1 else ""
        self.announce(f"retrying after {response.status_code}{pause}, attempt {attempt} of {attempts}")


def request_failure(error: Exception, policy: NetworkPolicy) -> ClaudeMagicError:
    """One line for a failed request that is not a streamed call (batches, counting, listing)."""
    import anthropic

    if isinstance(error, ClaudeMagicError):
        return error
    if isinstance(error, TimedOut | anthropic.APITimeoutError):
        return RequestTimedOut(
            f"No answer from the API within {policy.timeout:g} s; wait longer with %config ClaudeMagics.timeout = 120, "
            "then re-run the cell."
        )
    if isinstance(error, anthropic.APIStatusError):
        said = _body_message(error.body) or error.message
        line = describe_api_error(error.status_code, said, error.request_id)
        return RequestFailed(line, status=error.status_code, request_id=error.request_id)
    if isinstance(error, anthropic.APIConnectionError):
        return RequestFailed(f"Could not reach the API ({error.message}); check the network and re-run the cell.")
    return RequestFailed(f"Unexpected {type(error).__name__}: {error}")


def _body_message(body: Any) -> str | None:
    inner = body.get("error", body) if isinstance(body, dict) else None
    return str(inner["message"]) if isinstance(inner, dict) and inner.get("message") else None


def will_retry(response: httpx2.Response) -> bool:
    """Whether the SDK retries this response (SDK 2.12.0 `_should_retry`)."""
    header = response.headers.get("x-should-retry")
    if header in ("true", "false"):
        return header == "true"
    return response.status_code in RETRIED_STATUSES or response.status_code >= 500


def retry_after_s(headers: httpx2.Headers) -> float | None:
    """Seconds the server asks to wait, read as the SDK does: retry-after-ms, retry-after seconds, or a date."""
    import email.utils  # on first use: %load_ext stays cheap
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers.get(name, "")) / scale
        except ValueError:
            pass
    date = email.utils.parsedate_tz(headers.get("retry-after", ""))
    return None if date is None else float(email.utils.mktime_tz(date) - time.time())


def too_long(response: httpx2.Response, wait: float, cap: float) -> RetryWaitTooLong:
    """The one-line failure for a retry-after beyond the cap, saying when to re-run the cell."""
    response.read()
    request_id = response.headers.get("request-id")
    when = time.strftime("%H:%M:%S", time.localtime(time.time() + wait))
    tail = f" (request id {request_id})" if request_id else ""
    said = one_line(_message(response), API_MESSAGE_CHARS)
    message = (
        f"API error {response.status_code}: {said}{tail}. The API asks to wait {wait:.0f} s before a retry, "
        f"more than max_retry_wait ({cap:g} s): re-run the cell after {when} "
        "(or raise %config ClaudeMagics.max_retry_wait)."
    )
    response.close()
    return RetryWaitTooLong(message, status=response.status_code, request_id=request_id)


def _message(response: httpx2.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text or response.reason_phrase
