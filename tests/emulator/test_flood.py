"""Optional flood control: 429 retry_after like Telegram's, counted refusals, delivery ledger.

Time is moved with a fake clock instead of sleeping; only the first test uses the real one.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter

from bot.emulator import APIError, FakeBotAPI, FloodLimits
from bot.emulator.client import EmulatorClient
from bot.emulator.flood import FloodControl
from tests.emulator.conftest import make_bot


class FakeClock:
    """A monotonic clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_second_quick_send_to_a_private_chat_is_refused() -> None:
    async with FakeBotAPI(flood_limits=FloodLimits()) as api:
        bot = make_bot(api)
        try:
            api.user(42)
            await bot.send_message(42, "one")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(42, "two")
        finally:
            await bot.session.close()
    assert caught.value.retry_after >= 1
    assert [d.text for d in api.delivered(42)] == ["one"]
    assert [m.text for m in api.users[42].messages] == ["one"]


async def test_refusal_body_and_recovery(api: FakeBotAPI, bot: Bot, clock: FakeClock) -> None:
    api.set_flood_limits(FloodLimits(), time_source=clock)
    api.user(42)
    api.user(43)
    await bot.send_message(42, "one")

    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api.base_url}/bot{api.token}/sendMessage", json={"chat_id": 42, "text": "two"}
        ) as response,
    ):
        assert response.status == 429
        assert await response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    await bot.send_message(43, "other chat")  # the per-chat limit is per chat
    clock.advance(0.5)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "two")
    assert caught.value.retry_after == 1  # ceil(0.5)
    clock.advance(0.5)
    await bot.send_message(42, "two")

    assert [(r.chat_id, r.limit, r.method) for r in api.flood_refusals] == [
        (42, "chat", "sendMessage"),
        (42, "chat", "sendMessage"),
    ]
    assert [d.text for d in api.delivered(42)] == ["one", "two"]
    assert api.delivered_counts() == {42: 2, 43: 1}


async def test_scaled_global_limit_refuses_the_excess(
    api: FakeBotAPI, bot: Bot, clock: FakeClock
) -> None:
    api.set_flood_limits(FloodLimits(global_rate=20, global_window=0.05), time_source=clock)
    for user_id in range(1, 26):
        api.user(user_id)

    async def send(user_id: int) -> bool:
        try:
            await bot.send_message(user_id, "news")
        except TelegramRetryAfter as error:
            assert error.retry_after == 1  # whole seconds, even for a 50 ms window
            return False
        return True

    outcomes = await asyncio.gather(*(send(u) for u in range(1, 26)))

    assert outcomes.count(True) == 20
    assert {r.limit for r in api.flood_refusals} == {"global"}
    assert len(api.flood_refusals) == 5
    assert sum(api.delivered_counts().values()) == 20
    clock.advance(0.05)
    refused = [r.chat_id for r in api.flood_refusals]
    await asyncio.gather(*(bot.send_message(u, "news") for u in refused))


async def test_group_limit_counts_per_minute(api: FakeBotAPI, bot: Bot, clock: FakeClock) -> None:
    api.set_flood_limits(FloodLimits(per_group_rate=3), time_source=clock)
    api.group(-100123, "Volunteers")
    for n in range(3):
        await bot.send_message(-100123, f"request {n}")  # no 1-per-second rule in groups

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(-100123, "request 3")
    assert caught.value.retry_after == 60
    clock.advance(30)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(-100123, "request 3")
    assert caught.value.retry_after == 30
    clock.advance(30)
    await bot.send_message(-100123, "request 3")
    assert [r.limit for r in api.flood_refusals] == ["group", "group"]


async def test_other_errors_win_and_are_not_counted(
    api: FakeBotAPI, bot: Bot, clock: FakeClock
) -> None:
    api.set_flood_limits(FloodLimits(), time_source=clock)
    api.user(42)
    api.block(42)
    for _ in range(3):
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(42, "hi")
    api.unblock(42)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(42, "x" * 5000)  # admitted, failed, slot given back
    await bot.send_message(42, "hi")
    await bot.send_chat_action(42, "typing")  # not a message: not limited
    assert api.flood_refusals == []


async def test_without_limits_nothing_is_refused(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    api.group(-100123, "Volunteers")
    await asyncio.gather(*(bot.send_message(42, f"m{n}") for n in range(40)))
    await asyncio.gather(*(bot.send_message(-100123, f"g{n}") for n in range(30)))

    assert api.flood_refusals == []
    assert api.delivered_counts() == {42: 40, -100123: 30}
    api.set_flood_limits(FloodLimits())
    api.set_flood_limits(None)
    await bot.send_message(42, "m0")
    assert api.flood_refusals == []


async def test_duplicate_texts(api: FakeBotAPI, bot: Bot) -> None:
    mei = api.user(42)
    api.user(43)
    first = await bot.send_message(42, "Your request was accepted")
    await bot.send_message(43, "Your request was accepted")  # another chat: no duplicate
    await bot.send_message(42, "Your request was accepted")
    await bot.delete_message(42, first.message_id)  # deleting does not hide the double send

    assert api.duplicate_texts() == {(42, "Your request was accepted"): 2}
    assert api.duplicate_texts(43) == {}
    assert len(mei.messages) == 1
    assert [d.message_id for d in api.delivered(42)] == [first.message_id, first.message_id + 1]


async def test_control_api_for_flood_limits(api: FakeBotAPI, bot: Bot) -> None:
    api.user(42)
    assert api.base_url is not None
    async with EmulatorClient(api.base_url) as emulator:
        await emulator.set_flood_limits(per_chat_burst=2)
        await bot.send_message(42, "a")
        await bot.send_message(42, "a")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(42, "b")

        report = await emulator.flood()
        assert report["limits"]["per_chat_burst"] == 2
        assert [(r["chat_id"], r["limit"]) for r in report["refusals"]] == [(42, "chat")]
        assert report["delivered"] == {"42": 2}
        assert report["duplicates"] == [{"chat_id": 42, "text": "a", "count": 2}]
        await emulator.set_flood_limits(off=True)
        assert (await emulator.flood())["limits"] is None


def test_sliding_window_is_half_open_and_covers_every_limit(clock: FakeClock) -> None:
    limits = FloodLimits(global_rate=3, global_window=10.0, per_chat_burst=2, per_chat_window=1.0)
    flood = FloodControl(limits, clock)
    for chat_id, at in ((1, 0.0), (1, 0.4), (2, 0.5)):
        clock.now = at
        assert flood.admit("sendMessage", chat_id, private=True) == at

    clock.now = 0.6
    with pytest.raises(APIError, match="retry after 10") as caught:
        flood.admit("sendMessage", 1, private=True)  # chat waits 0.4 s, global 9.4 s
    assert flood.refusals[-1].limit == "global"
    assert caught.value.retry_after == 10
    clock.now = 10.0  # the send at 0.0 leaves the global window exactly now
    stamp = flood.admit("sendMessage", 1, private=True)
    assert stamp is not None
    with pytest.raises(APIError):
        flood.admit("sendMessage", 1, private=True)
    flood.release(1, True, stamp)  # a failed send gives its slot back
    flood.admit("sendMessage", 1, private=True)
    with pytest.raises(ValueError, match="at least one"):
        FloodLimits(per_chat_burst=0)
