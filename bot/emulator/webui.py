"""The browser chat: which chats the page shows, its control buttons, and its HTTP routes.

The page (`web/`, plain HTML/CSS/JS) reads the emulator through a WebSocket feed
(`livefeed.py`) and acts through the same /_emulator/ control API the tests use, so what a
person does in the browser is exactly what a test does. An embedding program (the demo)
describes its people with `add_persona` and adds buttons with `add_control`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.control import PREFIX, _guarded, _ok
from bot.emulator.render import chat_messages_json, reply_keyboard_json

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI

WEB_DIR = Path(__file__).with_name("web")
_LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
ControlAction = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Persona:
    """A private chat shown as a phone; `role` and `note` are keys of the UI dictionary."""

    user_id: int
    role: str = ""
    note: str = ""


@dataclass(frozen=True)
class Control:
    """A toolbar button; `label` and `confirm` (a question asked first) are dictionary keys."""

    name: str
    label: str
    action: ControlAction
    confirm: str | None = None


class WebUI:
    """What the page shows beyond the chats themselves; one per `FakeBotAPI`."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        self.personas: dict[int, Persona] = {}
        self.group_roles: dict[int, str] = {}
        self.controls: dict[str, Control] = {}
        self.status: dict[str, Any] = {}
        self.status_version = 0
        self.sockets: set[web.WebSocketResponse] = set()
        self._control_lock = asyncio.Lock()

    # configuration by the embedding program

    def add_persona(self, user_id: int, role: str = "", note: str = "") -> None:
        """Show this user's private chat (create the user first with `api.user`)."""
        self.api.state.user_info(user_id)
        self.personas[user_id] = Persona(user_id, role, note)
        self._changed()

    def set_group_role(self, chat_id: int, role: str) -> None:
        """A dictionary key shown under a group's title (e.g. "coordinators")."""
        self.group_roles[chat_id] = role
        self._changed()

    def add_control(
        self, name: str, label: str, action: ControlAction, *, confirm: str | None = None
    ) -> None:
        self.controls[name] = Control(name, label, action, confirm)
        self._changed()

    def set_status(self, **values: Any) -> None:
        """Values shown in the toolbar (the demo's clock); pushed to every open page."""
        self.status.update(values)
        self.status_version += 1
        self._changed()

    def _changed(self) -> None:
        self.api.state.tick()
        self.api.state.feed.notify()

    # actions from the page

    async def run_control(self, name: str) -> None:
        """Run a toolbar action to its end even if the page goes away; one at a time."""
        control = self.controls.get(name)
        if control is None:
            raise KeyError(f"no control {name!r}; known: {sorted(self.controls)}")

        async def locked() -> None:
            async with self._control_lock:
                await control.action()

        await asyncio.shield(asyncio.ensure_future(locked()))

    def set_language(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        """The language the user's Telegram app reports in their next updates."""
        if language_code and not _LANGUAGE_RE.fullmatch(language_code):
            raise ValueError(f"{language_code!r} is not a language code such as zh-hans")
        user = dict(self.api.state.user_info(user_id))  # a new dict: sent messages keep theirs
        user.pop("language_code", None)
        if language_code:
            user["language_code"] = language_code
        self.api.state.chats[user_id].user = user
        self._changed()
        return user

    # what the page reads

    def shown_user_ids(self) -> list[int]:
        """The personas in their order, or every private chat when none were named."""
        if self.personas:
            return list(self.personas)
        return [c.id for c in self.api.state.chats.values() if c.is_private and c.user]

    def chats_json(self) -> dict[str, Any]:
        """The phones: people, then groups, with names, languages and members."""
        state = self.api.state
        people = []
        for user_id in self.shown_user_ids():
            chat = state.chats[user_id]
            assert chat.user is not None
            persona = self.personas.get(user_id, Persona(user_id))
            people.append(
                {
                    "chat_id": user_id,
                    "kind": "private",
                    "user": dict(chat.user),
                    "phone_number": chat.phone_number,
                    "role": persona.role,
                    "note": persona.note,
                    "blocked": chat.blocked,
                }
            )
        groups = []
        for group in self.api.groups.values():
            members = [
                {"id": uid, "name": state.user_info(uid).get("first_name", str(uid))}
                for uid in group.member_ids
            ]
            groups.append(
                {
                    "chat_id": group.id,
                    "kind": "group",
                    "title": group.title,
                    "role": self.group_roles.get(group.id, ""),
                    "members": members,
                    "bot_status": group.bot_status,
                }
            )
        controls = [
            {"name": c.name, "label": c.label, "confirm": c.confirm} for c in self.controls.values()
        ]
        return {"people": people, "groups": groups, "controls": controls, "bot": state.bot_user}

    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, for a page that (re)connects."""
        state = self.api.state
        chat_ids = [p["chat_id"] for p in self.chats_json()["people"]] + list(self.api.groups)
        return {
            "type": "snapshot",
            **self.chats_json(),
            "status": self.status,
            "messages": {
                str(chat_id): chat_messages_json(state.chats[chat_id]) for chat_id in chat_ids
            },
            "keyboards": {
                str(chat_id): reply_keyboard_json(state.chats[chat_id].reply_keyboard)
                for chat_id in chat_ids
            },
        }

    async def close(self) -> None:
        """Close open pages' feeds (the server is stopping)."""
        for socket in list(self.sockets):
            await socket.close()
        self.sockets.clear()


def add_web_routes(app: web.Application, api: FakeBotAPI) -> None:
    """GET / (the page), /ui/* (its files), the feed and the page's own control routes."""
    from bot.emulator.livefeed import feed_handler

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def snapshot(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, **api.web.snapshot()}, dumps=dumps)

    async def language(request: web.Request) -> web.Response:
        body = await request.json()
        user = api.web.set_language(int(body["user_id"]), body.get("language_code") or None)
        return _ok(user=user)

    async def control(request: web.Request) -> web.Response:
        await api.web.run_control(request.match_info["name"])
        return _ok(status=api.web.status)

    async def feed(request: web.Request) -> web.WebSocketResponse:
        return await feed_handler(request, api)

    app.router.add_get("/", index)
    app.router.add_static("/ui/", WEB_DIR, append_version=False)
    app.router.add_get(PREFIX + "/feed", feed)
    app.router.add_get(PREFIX + "/ui/snapshot", _guarded(snapshot))
    app.router.add_post(PREFIX + "/ui/language", _guarded(language))
    app.router.add_post(PREFIX + "/ui/controls/{name}", _guarded(control))


def dumps(value: Any) -> str:
    """JSON with Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False)
