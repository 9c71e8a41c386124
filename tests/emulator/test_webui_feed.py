"""The browser chat's WebSocket feed: what the bot does over HTTP reaches an open page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from bot.emulator import FakeBotAPI

Event = dict[str, Any]


class Page:
    """An open page's feed, and the bot's side of the HTTP API."""

    def __init__(self, api: FakeBotAPI, http: aiohttp.ClientSession) -> None:
        self.api = api
        self.http = http
        self.socket: aiohttp.ClientWebSocketResponse | None = None

    async def connect(self) -> Event:
        self.socket = await self.http.ws_connect(f"{self.api.base_url}/_emulator/feed")
        return await self.next_event()

    async def next_event(self, timeout: float = 5.0) -> Event:  # noqa: ASYNC109
        assert self.socket is not None
        message = await self.socket.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        event: Event = json.loads(message.data)
        return event

    async def wait_event(self, predicate: Callable[[Event], bool], timeout: float = 5.0) -> Event:  # noqa: ASYNC109
        """The first event matching; the ones before it are skipped."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next_event(timeout)
                if predicate(event):
                    return event

    async def bot_call(self, method: str, **params: Any) -> Any:
        url = f"{self.api.base_url}/bot{self.api.token}/{method}"
        async with self.http.post(url, json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]


@pytest.fixture
async def page(api: FakeBotAPI) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as http:
        opened = Page(api, http)
        yield opened
        if opened.socket is not None:
            await opened.socket.close()


def message_event(chat_id: int, **fields: Any) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        if event["type"] != "message" or event["message"]["chat_id"] != chat_id:
            return False
        return all(event["message"].get(k) == v for k, v in fields.items())

    return matches


async def test_snapshot_lists_personas_groups_and_existing_messages(
    api: FakeBotAPI, page: Page
) -> None:
    api.user(11, first_name="Xiuying", language_code="zh-hans")
    api.user(12, first_name="Wei", language_code="en")
    api.group(-100500, "Coordinators", members=[12])
    api.web.add_persona(11, role="resident", note="lives_alone")
    api.web.add_persona(12, role="coordinator")
    api.web.set_group_role(-100500, "coordinators")
    await page.bot_call("sendMessage", chat_id=11, text="Earlier")

    snapshot = await page.connect()

    assert snapshot["type"] == "snapshot"
    people = [(p["chat_id"], p["role"], p["note"]) for p in snapshot["people"]]
    assert people == [(11, "resident", "lives_alone"), (12, "coordinator", "")]
    assert snapshot["groups"][0]["members"] == [{"id": 12, "name": "Wei"}]
    assert snapshot["groups"][0]["role"] == "coordinators"
    assert [m["text"] for m in snapshot["messages"]["11"]] == ["Earlier"]
    assert snapshot["keyboards"]["11"] is None


async def test_send_edit_and_delete_reach_the_page(api: FakeBotAPI, page: Page) -> None:
    api.user(21, first_name="Mei")
    await page.connect()

    keyboard = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    sent = await page.bot_call(
        "sendMessage",
        chat_id=21,
        text="<b>Hello</b> &lt;script&gt; <tg-spoiler>secret</tg-spoiler>",
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    event = await page.wait_event(message_event(21, message_id=sent["message_id"]))
    message = event["message"]
    assert message["from_bot"] is True
    assert message["html"] == "<b>Hello</b> &lt;script&gt; <tg-spoiler>secret</tg-spoiler>"
    assert message["inline_keyboard"] == [[{"text": "OK", "kind": "callback"}]]

    await page.bot_call(
        "editMessageText",
        chat_id=21,
        message_id=sent["message_id"],
        text="<i>Changed</i>",
        parse_mode="HTML",
    )
    event = await page.wait_event(message_event(21, edited=True))
    assert event["message"]["html"] == "<i>Changed</i>"
    assert event["message"]["inline_keyboard"] == []  # an edit without markup drops it

    await page.bot_call("deleteMessage", chat_id=21, message_id=sent["message_id"])
    event = await page.wait_event(message_event(21, deleted=True))
    assert event["message"]["message_id"] == sent["message_id"]


async def test_reply_keyboard_is_set_and_removed(api: FakeBotAPI, page: Page) -> None:
    api.user(31, first_name="Mei")
    await page.connect()
    await page.bot_call(
        "sendMessage",
        chat_id=31,
        text="Your phone?",
        reply_markup={
            "keyboard": [[{"text": "📱 Share", "request_contact": True}], [{"text": "Skip"}]],
            "one_time_keyboard": True,
            "input_field_placeholder": "Tap a button",
        },
    )
    event = await page.wait_event(lambda e: e["type"] == "keyboard")
    assert event == {
        "type": "keyboard",
        "chat_id": 31,
        "keyboard": {
            "rows": [
                [{"text": "📱 Share", "request_contact": True, "request_location": False}],
                [{"text": "Skip", "request_contact": False, "request_location": False}],
            ],
            "one_time": True,
            "placeholder": "Tap a button",
        },
    }
    await page.bot_call(
        "sendMessage", chat_id=31, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    event = await page.wait_event(lambda e: e["type"] == "keyboard")
    assert event["keyboard"] is None


async def test_user_actions_and_callback_answers_reach_the_page(
    api: FakeBotAPI, page: Page
) -> None:
    mei = api.user(41, first_name="Mei")
    await page.connect()
    sent = await page.bot_call(
        "sendMessage",
        chat_id=41,
        text="Pick",
        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    )
    await page.wait_event(message_event(41, message_id=sent["message_id"]))

    await mei.send_voice(duration=4, wait=False)
    event = await page.wait_event(message_event(41, from_bot=False))
    assert event["message"]["media"] == {"kind": "voice", "duration": 4}

    await mei.tap("Go", wait=False)
    query_id = next(iter(api.state.callback_queries))
    await page.bot_call(
        "answerCallbackQuery", callback_query_id=query_id, text="Too late", show_alert=True
    )
    event = await page.wait_event(lambda e: e["type"] == "callback_answer")
    assert (event["chat_id"], event["text"], event["show_alert"]) == (41, "Too late", True)


async def test_documents_photos_and_chat_actions(api: FakeBotAPI, page: Page) -> None:
    api.user(51, first_name="Mei")
    await page.connect()
    form = aiohttp.FormData()
    form.add_field("chat_id", "51")
    form.add_field("caption", "The list")
    form.add_field("document", b"a,b\n1,2\n", filename="numbers.csv", content_type="text/csv")
    async with page.http.post(f"{api.base_url}/bot{api.token}/sendDocument", data=form) as response:
        assert (await response.json())["ok"]
    event = await page.wait_event(message_event(51, from_bot=True))
    assert event["message"]["media"]["kind"] == "document"
    assert event["message"]["media"]["file_name"] == "numbers.csv"
    assert event["message"]["text"] == "The list"

    await page.bot_call("sendChatAction", chat_id=51, action="typing")
    event = await page.wait_event(lambda e: e["type"] == "chat_action")
    assert event == {"type": "chat_action", "chat_id": 51, "action": "typing"}


async def test_status_language_and_history_reset(api: FakeBotAPI, page: Page) -> None:
    api.user(61, first_name="Mei", language_code="zh-hans")
    await page.connect()

    api.web.set_status(clock="2026-03-02 17:00")
    event = await page.wait_event(lambda e: e["type"] == "status")
    assert event["status"] == {"clock": "2026-03-02 17:00"}

    url = f"{api.base_url}/_emulator/ui/language"
    async with page.http.post(url, json={"user_id": 61, "language_code": "en"}) as response:
        assert (await response.json())["ok"]
    event = await page.wait_event(lambda e: e["type"] == "chats")
    assert event["people"][0]["user"]["language_code"] == "en"
    update = await api.users[61].send_text("hi", wait=False)
    assert update["message"]["from"]["language_code"] == "en"

    api.state.clear_history()
    event = await page.wait_event(lambda e: e["type"] == "snapshot")
    assert event["messages"]["61"] == []


async def test_controls_run_through_the_control_api(api: FakeBotAPI, page: Page) -> None:
    pressed: list[str] = []

    async def advance() -> None:
        pressed.append("plus_hour")
        api.web.set_status(clock="later")

    api.web.add_control("plus_hour", "plus_hour", advance)
    url = f"{api.base_url}/_emulator/ui/controls"
    async with page.http.post(f"{url}/plus_hour") as response:
        assert await response.json() == {"ok": True, "status": {"clock": "later"}}
    async with page.http.post(f"{url}/nope") as response:
        assert response.status == 400
    assert pressed == ["plus_hour"]


async def test_stopping_the_server_closes_open_pages() -> None:
    api = FakeBotAPI()
    await api.start()
    async with aiohttp.ClientSession() as http:
        page = Page(api, http)
        await page.connect()
        async with asyncio.timeout(5):
            await api.stop()
        assert page.socket is not None
        message = await page.socket.receive(timeout=5)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_only_the_emulators_own_page_may_drive_it(api: FakeBotAPI, page: Page) -> None:
    """A page from another site gets 403 from the control API, the page's own routes and the
    feed; the page itself (same origin) and callers without an Origin (tests, CLI) work."""
    api.user(71, first_name="Xiuying", language_code="zh-hans")
    ran: list[str] = []

    async def advance() -> None:
        ran.append("plus_hour")

    api.web.add_control("plus_hour", "plus_hour", advance)
    base = api.base_url
    assert base is not None and base.startswith("http://127.0.0.1:")
    port = base.rsplit(":", 1)[1]
    evil = {"Origin": "http://evil.example"}
    foreign = [
        ("POST", "/_emulator/users/71/send_text", {"text": "forged", "wait": False}, evil),
        ("POST", "/_emulator/ui/controls/plus_hour", None, evil),
        ("POST", "/_emulator/ui/language", {"user_id": 71, "language_code": "en"}, evil),
        ("GET", "/_emulator/state", None, evil),
        ("GET", "/_emulator/chats/71/messages", None, evil),
        ("GET", "/_emulator/ui/snapshot", None, {"Origin": "null"}),
        ("GET", "/_emulator/state", None, {"Origin": f"http://127.0.0.1:{int(port) + 1}"}),
        ("POST", "/_emulator/users/71/send_text", {"text": "x"}, {"Sec-Fetch-Site": "cross-site"}),
        ("GET", "/_emulator/state", None, {"Host": f"evil.example:{port}"}),  # DNS rebinding
        ("GET", "/", None, {"Host": f"evil.example:{port}"}),
        ("POST", f"/bot{api.token}/sendMessage", {"chat_id": 71, "text": "forged"}, evil),
    ]
    for method, path, body, headers in foreign:
        async with page.http.request(method, base + path, json=body, headers=headers) as response:
            assert response.status == 403, (method, path, headers)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await page.http.ws_connect(f"{base}/_emulator/feed", headers=evil)
    assert refused.value.status == 403
    assert not ran and not api.state.pending_updates
    assert not [c for c in api.calls if c.method == "sendMessage"]
    assert api.users[71].user["language_code"] == "zh-hans"

    own = {"Origin": base}
    async with page.http.post(f"{base}/_emulator/ui/controls/plus_hour", headers=own) as response:
        assert response.status == 200 and (await response.json())["ok"]
    localhost = {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}
    async with page.http.get(f"{base}/_emulator/ui/snapshot", headers=localhost) as response:
        assert response.status == 200
    async with page.http.post(
        f"{base}/_emulator/users/71/send_text",
        json={"text": "from the page", "wait": False},
        headers={**own, "Sec-Fetch-Site": "same-origin"},
    ) as response:
        assert response.status == 200
    async with page.http.post(  # a test or the CLI: no Origin at all
        f"{base}/_emulator/users/71/send_text", json={"text": "from a test", "wait": False}
    ) as response:
        assert response.status == 200
    assert ran == ["plus_hour"] and len(api.state.pending_updates) == 2
    socket = await page.http.ws_connect(f"{base}/_emulator/feed", headers=own)
    snapshot = json.loads((await socket.receive(timeout=5)).data)
    assert snapshot["type"] == "snapshot"
    await socket.close()
