"""The page's live feed: a WebSocket that pushes what changed in the emulator.

Each page gets a snapshot, then events computed by comparing the state with what that page
has already been sent (sequence numbers for messages, remembered values for the rest). The
state itself records nothing extra, and a page that reconnects simply starts over.

Events (JSON objects, by "type"): snapshot, chats, message (new, edited or deleted),
keyboard (a chat's reply keyboard set or removed), callback_answer, chat_action, status.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from bot.emulator.render import message_json, reply_keyboard_json

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI
    from bot.emulator.webui import WebUI

CLOSE_TIMEOUT = 1.0


class FeedCursor:
    """What one page has been sent; `events()` returns what it has not seen yet."""

    def __init__(self, ui: WebUI) -> None:
        self.ui = ui
        self.state = ui.api.state
        self.seq = 0
        self.generation = -1
        self.chats: dict[str, Any] = {}
        self.status_version = -1
        self.keyboards: dict[int, Any] = {}
        self.answered: set[str] = set()
        self.actions: dict[int, int] = {}

    def snapshot(self) -> dict[str, Any]:
        """Everything, and remember it as seen."""
        state = self.state
        snapshot = self.ui.snapshot()
        self.seq = state.seq
        self.generation = state.history_generation
        self.chats = self.ui.chats_json()
        self.status_version = self.ui.status_version
        self.keyboards = {c.id: reply_keyboard_json(c.reply_keyboard) for c in self._chats()}
        self.answered = {q.id for q in state.callback_queries.values() if q.answer is not None}
        self.actions = {c.id: len(c.chat_actions) for c in self._chats()}
        return snapshot

    def events(self) -> list[dict[str, Any]]:
        """Changes since the last call, oldest first (a snapshot after a history reset)."""
        state = self.state
        if state.history_generation != self.generation:
            return [self.snapshot()]
        events: list[dict[str, Any]] = []
        chats = self.ui.chats_json()
        if chats != self.chats:
            self.chats = chats
            events.append({"type": "chats", **chats})
        changed = sorted(
            (m for c in self._chats() for m in c.messages.values() if m.changed_seq > self.seq),
            key=lambda m: m.changed_seq,
        )
        events.extend({"type": "message", "message": message_json(m)} for m in changed)
        for chat in self._chats():
            keyboard = reply_keyboard_json(chat.reply_keyboard)
            if keyboard != self.keyboards.get(chat.id):
                self.keyboards[chat.id] = keyboard
                events.append({"type": "keyboard", "chat_id": chat.id, "keyboard": keyboard})
            seen = self.actions.get(chat.id, 0)
            if len(chat.chat_actions) > seen:
                action = chat.chat_actions[-1]
                events.append({"type": "chat_action", "chat_id": chat.id, "action": action})
            self.actions[chat.id] = len(chat.chat_actions)
        for query in state.callback_queries.values():
            if query.answer is None or query.id in self.answered:
                continue
            self.answered.add(query.id)
            answer = query.answer
            events.append(
                {
                    "type": "callback_answer",
                    "chat_id": query.chat_id,
                    "user_id": query.user_id,
                    "message_id": query.message_id,
                    "text": answer.text,
                    "show_alert": answer.show_alert,
                    "url": answer.url,
                }
            )
        if self.ui.status_version != self.status_version:
            self.status_version = self.ui.status_version
            events.append({"type": "status", "status": self.ui.status})
        self.seq = state.seq
        return events

    def _chats(self) -> list[Any]:
        shown = set(self.ui.shown_user_ids()) | set(self.ui.api.groups)
        return [c for c in self.state.chats.values() if c.id in shown]


async def _pump(socket: web.WebSocketResponse, api: FakeBotAPI) -> None:
    """Send the snapshot, then every change, until the socket or the server closes."""
    from bot.emulator.webui import dumps

    cursor = FeedCursor(api.web)
    state = api.state
    await socket.send_json(cursor.snapshot(), dumps=dumps)

    def next_batch() -> list[dict[str, Any]] | None:
        if state.closing or socket.closed:
            return [{"type": "closing"}]
        return cursor.events() or None

    while True:
        batch = await state.feed.wait_for(next_batch, None)
        if batch[0]["type"] == "closing":
            return
        for event in batch:
            await socket.send_json(event, dumps=dumps)


async def feed_handler(request: web.Request, api: FakeBotAPI) -> web.WebSocketResponse:
    """GET /_emulator/feed: the WebSocket; the page sends nothing but pings."""
    socket = web.WebSocketResponse(heartbeat=20, timeout=CLOSE_TIMEOUT)
    await socket.prepare(request)
    api.web.sockets.add(socket)
    pump = asyncio.create_task(_pump(socket, api))
    try:
        async for message in socket:
            if message.type == WSMsgType.TEXT and message.data == "ping":
                await socket.send_str("pong")
    finally:
        api.web.sockets.discard(socket)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
            await pump
    return socket
