"""The API error exception the simulator raises internally, and its JSON wire body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status, `error.type` and `error.message`, plus extra headers."""

    def __init__(self, status: int, type: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.headers = dict(headers or {})


def invalid(message: str) -> ApiError:
    """A 400 invalid_request_error."""
    return ApiError(400, "invalid_request_error", message)


def not_found(message: str) -> ApiError:
    """A 404 not_found_error."""
    return ApiError(404, "not_found_error", message)


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    """The JSON body of an error, as sent both as an HTTP body and as an SSE `error` event."""
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
