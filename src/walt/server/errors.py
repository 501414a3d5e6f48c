"""The service's refusals and the one table from typed errors to HTTP statuses.

The app answers with it, the request guard refuses with it and the OpenAPI document
lists its statuses, so a status the service sends is a status the document names.
Statuses follow RFC 9110 (400, 401, 404, 408, 413, 415, 421, 500, 502, 503, 504) and
RFC 4918's 422 for a request that is well formed but cannot be carried out.
"""

from __future__ import annotations

from typing import Final

from starlette.responses import JSONResponse

from walt.core.errors import (
    AuthError,
    BackendUnavailableError,
    BudgetExceededError,
    DiscoveryError,
    JobNotFoundError,
    QueueError,
    RemoteError,
    ToolNotFoundError,
    ValidationError,
    WaltError,
    WaltTimeoutError,
)

__all__ = [
    "ERROR_STATUSES",
    "MisdirectedRequestError",
    "PayloadTooLargeError",
    "RequestTimeoutError",
    "UnsupportedMediaTypeError",
    "error_response",
    "status_for",
]


class PayloadTooLargeError(ValidationError):
    """The request body is larger than the server accepts (HTTP 413)."""

    code = "payload_too_large"


class RequestTimeoutError(ValidationError):
    """The client did not send its request body in time (HTTP 408)."""

    code = "request_timeout"


class MisdirectedRequestError(ValidationError):
    """The request's ``Host`` is not a name of this server (HTTP 421)."""

    code = "host_not_allowed"


class UnsupportedMediaTypeError(ValidationError):
    """The request body is not declared as JSON (HTTP 415)."""

    code = "unsupported_media_type"


# Most specific first: the refusals are ValidationErrors too.
_TABLE: Final[tuple[tuple[type[WaltError], int], ...]] = (
    (PayloadTooLargeError, 413),
    (RequestTimeoutError, 408),
    (MisdirectedRequestError, 421),
    (UnsupportedMediaTypeError, 415),
    (AuthError, 401),
    (ToolNotFoundError, 404),
    (JobNotFoundError, 404),
    (ValidationError, 400),
    (BudgetExceededError, 402),
    (DiscoveryError, 422),
    (WaltTimeoutError, 504),
    (BackendUnavailableError, 503),
    (QueueError, 502),
    (RemoteError, 502),
)
_INTERNAL: Final = 500

ERROR_STATUSES: Final[tuple[int, ...]] = tuple(sorted({s for _, s in _TABLE} | {_INTERNAL}))
"""Every status an error document can come with."""


def status_for(error: WaltError) -> int:
    """The HTTP status of a typed error (500 for one the table does not name)."""
    for cls, status in _TABLE:
        if isinstance(error, cls):
            return status
    return _INTERNAL


def error_response(error: WaltError, status: int | None = None) -> JSONResponse:
    """``{"error": error.to_dict()}`` with its status (and the bearer challenge for 401)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthError) else None
    return JSONResponse(
        {"error": error.to_dict()}, status_code=status or status_for(error), headers=headers
    )
