"""Errors the API answers with: an HTTP status, a stable code and a precise message."""

from __future__ import annotations

from typing import Any

from agent_desktop.errors import AgentDesktopError


class ApiError(AgentDesktopError):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.extra = extra
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class DeviceRevoked(Forbidden):
    code = "device_revoked"


class TooManyRequests(ApiError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.headers["Retry-After"] = str(max(1, round(retry_after + 0.5)))


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class ChainConflict(Conflict):
    """A chain break: gap, bad link, edited event or a fork of stored history."""

    code = "chain_break"

    def __init__(self, message: str, first_bad_seq: int) -> None:
        super().__init__(message, first_bad_seq=first_bad_seq)
        self.first_bad_seq = first_bad_seq
