"""HTTP client for the /_emulator/ control API of an emulator running in another process."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import aiohttp


class EmulatorError(Exception):
    """The control API refused a request (bad action, missing button, timeout...)."""


class EmulatorClient:
    """Play users and read chats of an emulator started with ``python -m bot.emulator``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        url = f"{self.base_url}/_emulator{path}"
        async with self._session.request(method, url, json=body) as response:
            payload = await response.json()
        if not payload.get("ok"):
            raise EmulatorError(payload.get("error", f"HTTP {response.status}"))
        return payload

    async def create_user(self, user_id: int, **fields: Any) -> dict[str, Any]:
        return (await self._request("POST", "/users", {"id": user_id, **fields}))["user"]

    async def act(self, user_id: int, action: str, **arguments: Any) -> dict[str, Any]:
        """Run a ChatUser action (send_text, tap, ...); returns {"update", "replies"}."""
        return await self._request("POST", f"/users/{user_id}/{action}", arguments)

    async def messages(self, user_id: int) -> list[dict[str, Any]]:
        return (await self._request("GET", f"/chats/{user_id}/messages"))["messages"]

    async def callback_answers(self, user_id: int) -> list[dict[str, Any]]:
        return (await self._request("GET", f"/chats/{user_id}/callback_answers"))["answers"]

    async def wait_for_message(
        self,
        user_id: int,
        contains: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        body = {"contains": contains, "timeout": timeout}
        return (await self._request("POST", f"/chats/{user_id}/wait_for_message", body))["message"]

    async def wait_processed(
        self,
        update_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        await self._request("POST", "/wait_processed", {"update_id": update_id, "timeout": timeout})

    async def calls(self, method: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        query = f"?since={since}" + (f"&method={method}" if method else "")
        return (await self._request("GET", f"/calls{query}"))["calls"]

    async def inject(self, method: str, error: int, **options: Any) -> dict[str, Any]:
        return (
            await self._request("POST", "/faults", {"method": method, "error": error, **options})
        )["fault"]

    async def create_group(
        self, chat_id: int, title: str, members: list[int] | None = None, kind: str = "supergroup"
    ) -> dict[str, Any]:
        body = {"id": chat_id, "title": title, "members": members or [], "kind": kind}
        return (await self._request("POST", "/groups", body))["group"]

    async def add_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        body = {"user_id": user_id}
        return (await self._request("POST", f"/groups/{chat_id}/members", body))["group"]

    async def act_in_group(
        self, chat_id: int, user_id: int, action: str, **arguments: Any
    ) -> dict[str, Any]:
        """Run a GroupMember action (send_text, tap, ...); returns {"update", "replies"}."""
        path = f"/groups/{chat_id}/users/{user_id}/{action}"
        return await self._request("POST", path, arguments)

    async def remove_bot(self, chat_id: int, status: str = "kicked", **options: Any) -> None:
        body = {"status": status, **options}
        await self._request("POST", f"/groups/{chat_id}/bot/remove_bot", body)

    async def group_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return (await self._request("GET", f"/groups/{chat_id}/messages"))["messages"]

    async def set_privacy_mode(self, enabled: bool) -> None:
        """The bot's group privacy mode, as @BotFather's /setprivacy sets it."""
        await self._request("POST", "/privacy", {"enabled": enabled})

    async def set_flood_limits(self, off: bool = False, **limits: float) -> None:
        """Turn Telegram-like flood limits on (FloodLimits fields as keywords) or off."""
        await self._request("POST", "/flood_limits", {"off": True} if off else limits)

    async def flood(self) -> dict[str, Any]:
        """{"limits", "refusals", "delivered" (per chat id), "duplicates"}."""
        return await self._request("GET", "/flood")

    async def state(self) -> dict[str, Any]:
        return await self._request("GET", "/state")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
