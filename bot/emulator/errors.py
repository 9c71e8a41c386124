"""Telegram-shaped API errors raised by the fake Bot API server."""

from __future__ import annotations

from typing import Any

DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class APIError(Exception):
    """An error answer of the Bot API; the server serialises it as Telegram does.

    It is an exception so that validation code deep in the call stack can abort a method
    with one `raise`, exactly where Telegram would refuse the request.
    """

    def __init__(
        self,
        error_code: int,
        description: str | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(error_code, "Unknown Error")
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """Return the body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body

    def __repr__(self) -> str:
        return f"APIError({self.error_code}, {self.description!r})"


def bad_request(detail: str) -> APIError:
    """Build the common 400 error; `detail` is the text after "Bad Request: "."""
    return APIError(400, f"Bad Request: {detail}")


def forbidden(detail: str = "bot was blocked by the user") -> APIError:
    """Build a 403 error such as Telegram's answer for a user who blocked the bot."""
    return APIError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> APIError:
    """Build the 429 flood-control error that aiogram turns into TelegramRetryAfter."""
    return APIError(429, retry_after=retry_after)
