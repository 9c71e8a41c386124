"""The fake Telegram Bot API server: HTTP front end, fault injection, recording, waiting.

A real aiogram `Bot` talks to it over HTTP exactly as it talks to api.telegram.org:
``Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))``.
The same server shows a browser chat at ``/`` (see `webui.py`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import socket
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator.errors import APIError, bad_request
from bot.emulator.faults import Delay, Fault, FaultPlan
from bot.emulator.files import MAX_UPLOAD_BYTES, UploadedFile
from bot.emulator.flood import FloodControl, FloodLimits, FloodRefusal
from bot.emulator.groups import GroupChat, GroupMember
from bot.emulator.ledger import DeliveredMessage
from bot.emulator.methods import Handler, build_handlers
from bot.emulator.spec import BotAPISpec, load_spec
from bot.emulator.state import Call, EmulatorState
from bot.emulator.users import DEFAULT_TIMEOUT, ChatUser
from bot.emulator.webhook import Webhook
from bot.emulator.webui import WebUI, add_web_routes
from bot.emulator.wire import dumps, read_params

logger = logging.getLogger(__name__)
DEFAULT_TOKEN = "123456:TEST-TOKEN"
_TOKEN_RE = re.compile(r"\d+:[\w-]+")


class FakeBotAPI:
    """A stateful, strict stand-in for api.telegram.org serving one bot token.

    Use it as ``async with FakeBotAPI() as api`` (or `start()` / `stop()`), point the bot at
    `api.base_url`, then play users with `api.user(...)` and groups with `api.group(...)`.
    `flood_limits` turns on Telegram-like 429 answers (see `flood.py`); `flood_time_source`
    is the clock of those sliding windows, replaceable so tests move time instead of sleeping.
    `privacy_mode` is the bot's group privacy setting (on, as Telegram's default; see
    `privacy.py`): off, or as an admin of a group, the bot receives every message there.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "linli_test_bot",
        bot_id: int | None = None,
        bot_name: str = "Linli Test Bot",
        callback_timeout: float = 15.0,
        settle_timeout: float = DEFAULT_TIMEOUT,
        spec: BotAPISpec | None = None,
        flood_limits: FloodLimits | None = None,
        flood_time_source: Callable[[], float] = time.monotonic,
        privacy_mode: bool = True,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"token {token!r} does not look like <bot id>:<secret>")
        bot_user = {
            "id": bot_id if bot_id is not None else int(token.split(":")[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.spec = spec or load_spec()
        self.settle_timeout = settle_timeout
        self.state = EmulatorState(
            token=token, bot_user=bot_user, callback_timeout=callback_timeout
        )
        self.set_privacy_mode(privacy_mode)
        self.faults = FaultPlan()
        self.webhook = Webhook(self.state)  # setWebhook: updates pushed to the bot
        self.handlers: dict[str, Handler] = build_handlers(self.state, self.webhook)
        self.users: dict[int, ChatUser] = {}
        self.groups: dict[int, GroupChat] = {}
        self.flood = FloodControl(flood_limits, flood_time_source)
        self.base_url: str | None = None
        self.web = WebUI(self)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None

    # lifecycle

    def _build_app(self) -> web.Application:
        from bot.emulator.control import add_control_routes
        from bot.emulator.origin import origin_guard

        app = web.Application(
            client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024, middlewares=[origin_guard(self)]
        )
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        add_web_routes(app, self)
        return app

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None
    ) -> str:
        """Serve on host:port (0 picks a free port), or on an already bound `sock`, and
        return the base URL."""
        self.state.closing = False
        runner = web.AppRunner(
            self.app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site: web.BaseSite = (
            web.SockSite(runner, sock) if sock is not None else web.TCPSite(runner, host, port)
        )
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self.base_url = f"http://{bound_host if sock is not None else host}:{bound_port}"
        self.webhook.resume()
        return self.base_url

    async def stop(self) -> None:
        """End pending long polls and open pages' feeds, and shut the server down."""
        self.state.closing = True
        self.state.feed.notify()
        await self.webhook.stop()
        await self.web.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # identity

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_user(self) -> dict[str, Any]:
        return self.state.bot_user

    @property
    def calls(self) -> list[Call]:
        """Every Bot API request in arrival-of-answer order."""
        return self.state.calls

    def calls_to(self, method: str) -> list[Call]:
        canonical = self._canonical(method)
        return [c for c in self.state.calls if c.method == canonical]

    def refused_calls(self, method: str | None = None, *, containing: str = "") -> list[Call]:
        """Calls Telegram would have answered with an error (of `method`, if given, and
        whose error description contains `containing`), in order; injected faults included."""
        canonical = self._canonical(method) if method else None
        return [
            c
            for c in self.state.calls
            if c.error is not None
            and (canonical is None or c.method == canonical)
            and containing in c.error.description
        ]

    def set_privacy_mode(self, enabled: bool) -> None:
        """@BotFather's /setprivacy: on, the bot sees only what `privacy.py` lets through in
        groups where it is not an admin; getMe's can_read_all_group_messages says which."""
        self.state.privacy_mode = enabled
        self.state.bot_user["can_read_all_group_messages"] = not enabled
        self.state.feed.notify()

    def commands(
        self, language_code: str = "", scope: dict[str, Any] | None = None
    ) -> list[dict[str, str]]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        from bot.emulator.botinfo import scope_key

        return list(self.state.commands.get((scope_key(scope), language_code), []))

    # users

    def user(
        self,
        user_id: int,
        first_name: str = "Mei",
        language_code: str | None = "zh-hans",
        last_name: str | None = None,
        username: str | None = None,
        phone_number: str | None = None,
    ) -> ChatUser:
        """Create (or update) a user and their private chat with the bot."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        phone = phone_number or f"+1555{user_id % 10_000_000:07d}"
        chat = self.state.add_private_chat(user, phone)
        if user_id not in self.users:
            self.users[user_id] = ChatUser(self, chat)
        return self.users[user_id]

    def block(self, user_id: int) -> None:
        """Make every send to this user's chat answer 403 (no update is sent)."""
        self.state.chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        self.state.chat(user_id).blocked = False

    def never_started(self, user_id: int) -> None:
        """A user who never pressed Start: Telegram refuses the bot's first message (403)."""
        self.state.chat(user_id).never_started = True

    def delete_account(self, user_id: int) -> None:
        """The user deleted their Telegram account: every request to their chat answers 403."""
        self.state.chat(user_id).deactivated = True

    # groups

    def group(
        self,
        chat_id: int,
        title: str,
        members: list[int] | None = None,
        kind: str = "supergroup",
    ) -> GroupChat:
        """Create (or retitle) a group with the bot in it; unknown member ids become users."""
        chat = self.state.add_group_chat(chat_id, title, kind)
        group = self.groups.get(chat_id)
        if group is None:
            group = self.groups[chat_id] = GroupChat(self, chat)
        for user_id in members or []:
            group.add_member(user_id)
        return group

    def add_member(self, chat_id: int, user_id: int) -> GroupMember:
        """Put a user in an existing group; returns them acting in it."""
        if chat_id not in self.groups:
            raise ValueError(f"no group {chat_id}; create it with api.group(...)")
        return self.groups[chat_id].add_member(user_id)

    # flood control and deliveries

    def set_flood_limits(
        self,
        limits: FloodLimits | None,
        *,
        time_source: Callable[[], float] | None = None,
    ) -> FloodControl:
        """Replace the flood limits (None turns them off); windows and refusals start empty."""
        clock = time_source or self.flood.time_source
        self.flood = FloodControl(limits, clock)
        return self.flood

    @property
    def flood_refusals(self) -> list[FloodRefusal]:
        """Every 429 the flood limits gave (injected faults are not included)."""
        return self.flood.refusals

    def delivered(self, chat_id: int | None = None) -> list[DeliveredMessage]:
        """Messages the bot successfully sent (to one chat or all), in send order."""
        return self.state.delivered.for_chat(chat_id)

    def delivered_counts(self) -> dict[int, int]:
        """Successful sends per chat id."""
        return self.state.delivered.counts()

    def duplicate_texts(self, chat_id: int | None = None) -> dict[tuple[int, str], int]:
        """(chat id, visible text) delivered more than once -> how often; {} when none."""
        return self.state.delivered.duplicates(chat_id)

    # faults

    def inject(
        self,
        method: str,
        *,
        error: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | None = None,
    ) -> Fault:
        """Answer the next `times` calls of `method` (None: all) with an error."""
        if times is not None and times < 1:
            raise ValueError("times must be positive or None")
        fault = Fault(self._canonical(method), error, description, retry_after, times, chat_id)
        self.faults.faults.append(fault)
        return fault

    def delay(
        self, method: str, seconds: float, *, times: int | None = 1, chat_id: int | None = None
    ) -> Delay:
        """Hold the answers of the next `times` calls of `method` for `seconds`."""
        if times is not None and times < 1:
            raise ValueError("times must be positive or None")
        rule = Delay(self._canonical(method), seconds, times, chat_id)
        self.faults.delays.append(rule)
        return rule

    def _canonical(self, method: str) -> str:
        spec = self.spec.resolve(method)
        if spec is None:
            raise ValueError(f"{method} is not a Bot API method")
        return spec.name

    # waiting

    async def wait_processed(
        self,
        update_id: int,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot confirmed the update (a later getUpdates with a higher offset).

        With ``start_polling(handle_as_tasks=False)`` that means its handler has finished.
        `timeout` defaults to the `settle_timeout` given to the constructor.
        """
        timeout = self.settle_timeout if timeout is None else timeout
        try:
            await self.state.feed.wait_for(lambda: self.state.is_processed(update_id), timeout)
        except TimeoutError:
            raise TimeoutError(self._not_processed_report(update_id, timeout)) from None

    def _not_processed_report(self, update_id: int, timeout: float) -> str:
        state = self.state
        pending = [u["update_id"] for u in state.pending_updates]
        if state.last_poll_at is None:
            polled = "the bot never called getUpdates"
        else:
            polled = f"last getUpdates started {time.time() - state.last_poll_at:.1f}s ago"
        recent = "\n  ".join(c.summary()[:300] for c in state.calls[-10:]) or "(none)"
        return (
            f"the bot did not acknowledge update {update_id} within {timeout}s "
            f"(confirmed below {state.acked_offset}; pending {pending}; {polled}). "
            f"Is the bot polling this server with handle_as_tasks=False, or did a handler hang?"
            f"\nRecent calls:\n  {recent}"
        )

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    ) -> Any:
        """Wait until `predicate()` (about emulator state) is truthy and return its value."""
        return await self.state.feed.wait_for(predicate, timeout)

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
        *,
        since: int = 0,
    ) -> Call:
        """The first recorded call of `method` (from index `since` of `calls`) matching."""
        canonical = self._canonical(method)

        def find() -> Call | None:
            for call in self.state.calls[since:]:
                if call.method == canonical and (predicate is None or predicate(call)):
                    return call
            return None

        try:
            return await self.state.feed.wait_for(find, timeout)
        except TimeoutError:
            recent = [c.summary()[:200] for c in self.state.calls[-5:]]
            raise TimeoutError(
                f"no matching {canonical} call within {timeout}s; recent: {recent}"
            ) from None

    # request handling

    async def execute(
        self,
        method: str,
        params: Mapping[str, Any],
        attachments: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call and return (HTTP status, Telegram JSON body)."""
        started = time.time()
        canonical = method
        decoded: dict[str, Any] = dict(params)
        try:
            spec, decoded = self.spec.decode_call(method, params, attachments)
            canonical = spec.name
            if canonical == "getUpdates":
                self.state.last_poll_at = started
            chat_id = self._chat_of(canonical, decoded)
            delay = self.faults.take_delay(canonical, chat_id)
            if delay is not None:
                await asyncio.sleep(delay.seconds)
            fault = self.faults.take_fault(canonical, chat_id)
            if fault is not None:
                raise fault.to_error()
            handler = self.handlers.get(canonical)
            if handler is None:
                raise bad_request("method not supported by the fake server")
            result = await self._run_limited(canonical, chat_id, handler, decoded)
        except APIError as error:
            self._record(canonical, decoded, started, None, error)
            return error.error_code, error.to_json()
        except Exception as exc:  # a bug in the emulator must not look like a network failure
            logger.exception("fake Bot API failed on %s", canonical)
            error = APIError(500, f"Internal Server Error: emulator bug: {exc!r}")
            self._record(canonical, decoded, started, None, error)
            return 500, error.to_json()
        self._record(canonical, decoded, started, result, None)
        return 200, {"ok": True, "result": result}

    async def _run_limited(
        self, method: str, chat_id: int | None, handler: Handler, params: dict[str, Any]
    ) -> Any:
        """Run a handler under the flood limits; a send that fails gives its slot back.

        Sends to unknown chats or chats refusing the bot get their 400/403, never a 429.
        """
        chat = self.state.chats.get(chat_id) if chat_id is not None else None
        if chat is None or not self.flood.counts(method) or chat.refusal(sending=True) is not None:
            return await handler(params)
        stamp = self.flood.admit(method, chat.id, chat.is_private)
        try:
            return await handler(params)
        except BaseException:
            if stamp is not None:
                self.flood.release(chat.id, chat.is_private, stamp)
            raise

    def _chat_of(self, method: str, params: dict[str, Any]) -> int | None:
        """The chat a call concerns, for chat-specific faults."""
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if method == "answerCallbackQuery":
            query = self.state.callback_queries.get(str(params.get("callback_query_id")))
            return query.chat_id if query else None
        return None

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        started: float,
        result: Any,
        error: APIError | None,
    ) -> None:
        call = Call(method, params, started, self.state.tick(), copy.deepcopy(result), error)
        self.state.calls.append(call)
        self.state.feed.notify()

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.state.token:
            return web.json_response(APIError(401, "Unauthorized").to_json(), status=401)
        try:
            params, attachments = await read_params(request)
        except APIError as error:
            return web.json_response(error.to_json(), status=error.error_code)
        status, body = await self.execute(request.match_info["method"], params, attachments)
        return web.json_response(body, status=status, dumps=dumps)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.state.token:
            return web.json_response(APIError(401, "Unauthorized").to_json(), status=401)
        stored = self.state.files.by_path(request.match_info["path"])
        if stored is None:
            return web.json_response(APIError(404, "Not Found").to_json(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
