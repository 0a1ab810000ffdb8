"""The API error exception the simulator raises internally, and its JSON wire body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status, `error.type` and `error.message`, plus extra headers."""

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.headers = dict(headers or {})
        self.details = details


def invalid(message: str) -> ApiError:
    """A 400 invalid_request_error."""
    return ApiError(400, "invalid_request_error", message)


def not_found(message: str) -> ApiError:
    """A 404 not_found_error."""
    return ApiError(404, "not_found_error", message)


def error_body(error_type: str, message: str, request_id: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body of an error, as sent both as an HTTP body and as an SSE `error` event.

    `error.details` holds the machine-readable `error_code` when there is one, else null.
    """
    error = {"type": error_type, "message": message, "details": details}
    return {"type": "error", "error": error, "request_id": request_id}
