"""setWebhook, deleteWebhook, getWebhookInfo, and pushing updates to the bot as Telegram does.

While a webhook is set, getUpdates answers 409 Conflict and every update is POSTed to the URL,
with the secret in the X-Telegram-Bot-Api-Secret-Token header. Only a 2xx answer means the bot
accepted it; any other answer, a timeout or a refused connection keeps it, and it is tried again
a little later. One chat's updates go one at a time, in order: the next is held back until the
bot accepted the one before (other chats go on, up to max_connections at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.emulator.errors import bad_request
from bot.emulator.state import EmulatorState
from bot.emulator.wire import dumps

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})  # the only ones Telegram posts to
ANSWER_TIMEOUT = 60.0  # seconds Telegram waits for the bot's answer before trying again
FIRST_RETRY, LAST_RETRY = 0.1, 1.0  # seconds before the next try, doubling (shorter than Telegram)


def chat_key(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (its order is kept per chat); None for chat-less kinds."""
    payload = next(v for k, v in update.items() if k != "update_id")
    if not isinstance(payload, dict):
        return None
    for holder in (payload, payload.get("message")):
        if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
            return int(holder["chat"]["id"])
    sender = payload.get("from")
    return int(sender["id"]) if isinstance(sender, dict) else None


class Webhook:
    """The webhook of the one bot, and the task that pushes its updates."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.url = ""
        self.secret: str | None = None
        self.max_connections = 40
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.deliveries = 0  # POSTs made, for tests: a redelivery is a second one
        self._in_flight: dict[int | None, asyncio.Task[None]] = {}
        self._retry_at: dict[int | None, float] = {}
        self._backoff: dict[int | None, float] = {}
        self._pusher: asyncio.Task[None] | None = None
        self._rescheduled = False  # a try failed: the pusher recomputes when to wake

    # Bot API methods

    async def set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url", "")).strip()
        if not url:
            return await self.delete_webhook(params)
        parts = urlsplit(url)
        # Telegram wants HTTPS; plain HTTP is allowed here to a loopback address only.
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        if parts.hostname not in LOOPBACK and (parts.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections", 40))
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self.state.drop_pending()
        if "allowed_updates" in params:
            self.state.allowed_updates = [str(t) for t in params["allowed_updates"]]
        self.url, self.secret, self.max_connections = url, secret, max_connections
        self.state.webhook_url = url
        self.last_error_date = self.last_error_message = None
        self._retry_at.clear()
        self._backoff.clear()
        self.state.feed.notify()  # a pending getUpdates ends with 409
        self.resume()
        return True

    async def delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self.state.drop_pending()
        self.url, self.secret = "", None
        self.state.webhook_url = ""
        await self.stop()
        return True

    async def get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.pending_updates),
        }
        if self.url:
            info["max_connections"] = self.max_connections
            if self.state.allowed_updates:
                info["allowed_updates"] = list(self.state.allowed_updates)
        if self.url and self.last_error_message:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    # the pusher

    def resume(self) -> None:
        """Push while a webhook is set (again after the server restarted)."""
        if self.url and (self._pusher is None or self._pusher.done()):
            self._pusher = asyncio.get_running_loop().create_task(self._push())

    async def stop(self) -> None:
        """Stop pushing; an update whose POST is cut off stays pending."""
        pusher, self._pusher = self._pusher, None
        if pusher is not None:
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher
        self.state.feed.notify()

    def _ready(self) -> list[dict[str, Any]]:
        """The first pending update of each chat that is not in flight or waiting to retry."""
        now = time.monotonic()
        seen: set[int | None] = set()
        ready = []
        for update in self.state.deliverable(len(self.state.pending_updates)):
            key = chat_key(update)
            if key in seen:
                continue
            seen.add(key)
            if key in self._in_flight or self._retry_at.get(key, 0.0) > now:
                continue
            if len(self._in_flight) + len(ready) >= self.max_connections:
                break
            ready.append(update)
        return ready

    async def _push(self) -> None:
        timeout = aiohttp.ClientTimeout(total=ANSWER_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout, json_serialize=dumps) as session:
            try:
                while self.url and not self.state.closing:
                    self._rescheduled = False
                    for update in self._ready():
                        key = chat_key(update)
                        self._in_flight[key] = asyncio.create_task(
                            self._deliver(session, key, update)
                        )
                    waits = [at - time.monotonic() for at in self._retry_at.values()]
                    wake = max(min(waits), 0.01) if waits else None
                    with contextlib.suppress(TimeoutError):
                        await self.state.feed.wait_for(
                            lambda: (
                                self.state.closing
                                or not self.url
                                or self._rescheduled
                                or self._ready()
                            ),
                            wake,
                        )
            finally:
                tasks = list(self._in_flight.values())
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self._in_flight.clear()

    async def _deliver(
        self, session: aiohttp.ClientSession, key: int | None, update: dict[str, Any]
    ) -> None:
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        error: str | None = None
        self.deliveries += 1
        try:
            async with session.post(self.url, json=update, headers=headers) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except aiohttp.ClientError as failure:
            error = f"Connection failed: {type(failure).__name__}"
        finally:
            self._in_flight.pop(key, None)
        if error is None:
            self._accepted(key, update)
        else:
            self.last_error_date, self.last_error_message = self.state.now(), error
            backoff = min(self._backoff.get(key, FIRST_RETRY / 2) * 2, LAST_RETRY)
            self._backoff[key] = backoff
            self._retry_at[key] = time.monotonic() + backoff
            self._rescheduled = True
        self.state.feed.notify()

    def _accepted(self, key: int | None, update: dict[str, Any]) -> None:
        with contextlib.suppress(ValueError):  # dropped meanwhile
            self.state.pending_updates.remove(update)
        self.state.accepted.add(update["update_id"])
        self._retry_at.pop(key, None)
        self._backoff.pop(key, None)
        self.state.tick()
