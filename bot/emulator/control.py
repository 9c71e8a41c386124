"""A small JSON control API under /_emulator/ for other processes and the web UI.

It exposes the same actions as `ChatUser` and `GroupMember`, so a test can start the real
bot as a separate process, play users and groups over HTTP and read what the bot answered;
the browser chat (`webui.py`) acts through it too. Like a Telegram client, a group member's
text goes as a reply to the bot's force_reply prompt for them when one is open (give
"reply_to": 0 for a plain message).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.errors import APIError
from bot.emulator.files import UploadedFile
from bot.emulator.flood import FloodLimits
from bot.emulator.groups import GroupChat
from bot.emulator.state import Call
from bot.emulator.users import ChatUser

if TYPE_CHECKING:
    from bot.emulator.server import FakeBotAPI

PREFIX = "/_emulator"
USER_FIELDS = ("first_name", "language_code", "last_name", "username", "phone_number")
# action name -> accepted JSON arguments
USER_ACTIONS: dict[str, tuple[str, ...]] = {
    "send_text": ("text",),
    "send_command": ("command", "args", "mention"),
    "send_contact": ("phone_number", "first_name", "user_id"),
    "send_sticker": ("emoji",),
    "send_voice": ("duration",),
    "send_photo": ("caption",),
    "send_location": ("latitude", "longitude"),
    "tap": ("label", "message_id"),
    "tap_reply": ("label",),
    "press_data": ("data", "message_id"),
    "block_bot": (),
    "unblock_bot": (),
}
# what a group member can do (the private-only actions are left out); messages can be replies
MEMBER_ACTIONS: dict[str, tuple[str, ...]] = {
    name: (*args, "reply_to") if name in ("send_text", "send_sticker", "send_voice") else args
    for name, args in USER_ACTIONS.items()
    if name not in ("tap_reply", "block_bot", "unblock_bot")
} | {"answer_prompt": ("text",), "leave": ()}
GROUP_ACTIONS: dict[str, tuple[str, ...]] = {
    "remove_bot": ("status", "by"),
    "add_bot": ("by",),
    "promote_bot": ("by",),
    "demote_bot": ("by",),
    "join": ("user",),
}
FLOOD_FIELDS = tuple(f.name for f in dataclasses.fields(FloodLimits))

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def to_jsonable(value: Any) -> Any:
    """Make recorded values (uploads, errors, dataclasses) JSON-serialisable."""
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "size": value.size, "content_type": value.content_type}
    if isinstance(value, APIError):
        return value.to_json()
    if isinstance(value, Call):
        return {
            "method": value.method,
            "params": to_jsonable(value.params),
            "at": value.at,
            "ok": value.ok,
            "result": to_jsonable(value.result),
            "error": to_jsonable(value.error),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return {"size": len(value)}
    return value


def group_json(group: GroupChat) -> dict[str, Any]:
    return {**group.chat.chat, "members": group.member_ids, "bot_status": group.bot_status}


def _ok(**payload: Any) -> web.Response:
    return web.json_response({"ok": True, **to_jsonable(payload)})


def _guarded(handler: RouteHandler) -> RouteHandler:
    """Turn test-API exceptions into JSON errors instead of HTTP 500 pages."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except TimeoutError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=504)
        except (AssertionError, ValueError, TypeError, KeyError) as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        except APIError as error:
            return web.json_response({"ok": False, "error": error.description}, status=400)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("JSON object expected")
    return body


def add_control_routes(app: web.Application, api: FakeBotAPI) -> None:
    """Register the /_emulator/ routes for `api` on `app`."""

    def user_of(request: web.Request, body: dict[str, Any] | None = None) -> ChatUser:
        user_id = int(request.match_info["user_id"])
        if user_id in api.users:
            return api.users[user_id]
        fields = {k: v for k, v in (body or {}).items() if k in USER_FIELDS}
        return api.user(user_id, **fields)

    def group_of(request: web.Request) -> GroupChat:
        chat_id = int(request.match_info["chat_id"])
        if chat_id not in api.groups:
            raise KeyError(f"no group {chat_id}")
        return api.groups[chat_id]

    async def state(request: web.Request) -> web.Response:
        return _ok(
            bot=api.bot_user,
            users=[u.user for u in api.users.values()],
            groups=[group_json(g) for g in api.groups.values()],
            pending_updates=[u["update_id"] for u in api.state.pending_updates],
            confirmed_below=api.state.acked_offset,
            calls=len(api.calls),
        )

    async def create_user(request: web.Request) -> web.Response:
        body = await _body(request)
        fields = {k: v for k, v in body.items() if k in USER_FIELDS}
        user = api.user(int(body["id"]), **fields)
        return _ok(user=user.user)

    async def user_action(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in USER_ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {sorted(USER_ACTIONS)}")
        body = await _body(request)
        user = user_of(request)
        kwargs = {k: v for k, v in body.items() if k in USER_ACTIONS[action]}
        wait = bool(body.get("wait", True))
        update = await getattr(user, action)(**kwargs, wait=wait)
        replies = [m.to_json() for m in user.replies] if wait else []
        return _ok(update=update, replies=replies)

    async def messages(request: web.Request) -> web.Response:
        user = user_of(request)
        return _ok(messages=[m.to_json() for m in user.history])

    async def callback_answers(request: web.Request) -> web.Response:
        return _ok(answers=user_of(request).callback_answers)

    async def wait_for_message(request: web.Request) -> web.Response:
        body = await _body(request)
        contains = body.get("contains")
        message = await user_of(request).wait_for_message(
            (lambda m: contains in m.text) if contains else None,
            timeout=float(body.get("timeout", 10.0)),
        )
        return _ok(message=message.to_json())

    async def wait_processed(request: web.Request) -> web.Response:
        body = await _body(request)
        await api.wait_processed(int(body["update_id"]), timeout=float(body.get("timeout", 10.0)))
        return _ok()

    async def create_group(request: web.Request) -> web.Response:
        body = await _body(request)
        group = api.group(
            int(body["id"]),
            str(body["title"]),
            [int(m) for m in body.get("members") or []],
            kind=str(body.get("kind", "supergroup")),
        )
        return _ok(group=group_json(group))

    async def add_member(request: web.Request) -> web.Response:
        body = await _body(request)
        group = group_of(request)
        group.add_member(int(body["user_id"]))
        return _ok(group=group_json(group))

    async def member_action(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in MEMBER_ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {sorted(MEMBER_ACTIONS)}")
        body = await _body(request)
        member = group_of(request).as_user(int(request.match_info["user_id"]))
        kwargs = {k: v for k, v in body.items() if k in MEMBER_ACTIONS[action]}
        if action == "send_text" and "reply_to" not in kwargs and member.open_prompt:
            # like a Telegram client: a force_reply prompt opened the reply field
            action, kwargs = "answer_prompt", {"text": kwargs["text"]}
        if not kwargs.get("reply_to", 1):
            kwargs.pop("reply_to")  # 0: explicitly not a reply
        wait = bool(body.get("wait", True))
        update = await getattr(member, action)(**kwargs, wait=wait)
        replies = [m.to_json() for m in member.replies] if wait else []
        return _ok(update=update, replies=replies)

    async def group_action(request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in GROUP_ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {sorted(GROUP_ACTIONS)}")
        body = await _body(request)
        group = group_of(request)
        kwargs = {k: v for k, v in body.items() if k in GROUP_ACTIONS[action]}
        update = await getattr(group, action)(**kwargs, wait=bool(body.get("wait", True)))
        return _ok(update=update, group=group_json(group))

    async def group_messages(request: web.Request) -> web.Response:
        return _ok(messages=[m.to_json() for m in group_of(request).history])

    async def group_wait_for_message(request: web.Request) -> web.Response:
        body = await _body(request)
        contains = body.get("contains")
        message = await group_of(request).wait_for_message(
            (lambda m: contains in m.text) if contains else None,
            timeout=float(body.get("timeout", 10.0)),
        )
        return _ok(message=message.to_json())

    async def privacy(request: web.Request) -> web.Response:
        """Body {"enabled": bool}: the bot's group privacy mode (@BotFather's /setprivacy)."""
        body = await _body(request)
        api.set_privacy_mode(bool(body["enabled"]))
        return _ok(enabled=api.state.privacy_mode)

    async def flood_limits(request: web.Request) -> web.Response:
        """Body: FloodLimits fields (missing ones take Telegram's defaults), or {"off": true}."""
        body = await _body(request)
        if body.get("off"):
            api.set_flood_limits(None)
            return _ok(limits=None)
        limits = FloodLimits(**{k: float(v) for k, v in body.items() if k in FLOOD_FIELDS})
        api.set_flood_limits(limits)
        return _ok(limits=limits)

    async def flood(request: web.Request) -> web.Response:
        duplicates = [
            {"chat_id": chat_id, "text": text, "count": count}
            for (chat_id, text), count in api.duplicate_texts().items()
        ]
        return _ok(
            limits=api.flood.limits,
            refusals=api.flood_refusals,
            delivered={str(k): v for k, v in api.delivered_counts().items()},
            duplicates=duplicates,
        )

    async def calls(request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        method = request.query.get("method")
        selected = (
            api.calls[since:]
            if method is None
            else [c for c in api.calls[since:] if c.method.lower() == method.lower()]
        )
        return _ok(calls=selected)

    async def faults(request: web.Request) -> web.Response:
        body = await _body(request)
        fault = api.inject(
            body["method"],
            error=int(body["error"]),
            description=body.get("description"),
            retry_after=body.get("retry_after"),
            times=body.get("times", 1),
            chat_id=body.get("chat_id"),
        )
        return _ok(fault=fault)

    async def delays(request: web.Request) -> web.Response:
        body = await _body(request)
        rule = api.delay(
            body["method"],
            float(body["seconds"]),
            times=body.get("times", 1),
            chat_id=body.get("chat_id"),
        )
        return _ok(delay=rule)

    async def commands(request: web.Request) -> web.Response:
        stored = [
            {"scope": scope, "language_code": language, "commands": items}
            for (scope, language), items in api.state.commands.items()
        ]
        return _ok(commands=stored)

    routes = [
        ("GET", "/state", state),
        ("POST", "/users", create_user),
        ("POST", "/users/{user_id}/{action}", user_action),
        ("GET", "/chats/{user_id}/messages", messages),
        ("GET", "/chats/{user_id}/callback_answers", callback_answers),
        ("POST", "/chats/{user_id}/wait_for_message", wait_for_message),
        ("POST", "/groups", create_group),
        ("POST", "/groups/{chat_id}/members", add_member),
        ("POST", "/groups/{chat_id}/users/{user_id}/{action}", member_action),
        ("POST", "/groups/{chat_id}/bot/{action}", group_action),
        ("GET", "/groups/{chat_id}/messages", group_messages),
        ("POST", "/groups/{chat_id}/wait_for_message", group_wait_for_message),
        ("POST", "/privacy", privacy),
        ("POST", "/flood_limits", flood_limits),
        ("GET", "/flood", flood),
        ("POST", "/wait_processed", wait_processed),
        ("GET", "/calls", calls),
        ("POST", "/faults", faults),
        ("POST", "/delays", delays),
        ("GET", "/commands", commands),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, PREFIX + path, _guarded(handler))
