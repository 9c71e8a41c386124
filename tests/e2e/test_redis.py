"""With REDIS_URL set, conversations live in Redis and survive a restart just the same."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.delivery.send_budget import budget_prefix
from bot.emulator.server import FakeBotAPI
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_to_register, user_row

REDIS_URL = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# The tests on Redis share its keys: with pytest-xdist, one worker runs them all, one at a time.
ON_REDIS = pytest.mark.xdist_group("redis")


async def _redis_or_skip() -> object:
    try:
        from redis.asyncio import Redis
    except ImportError:
        pytest.skip("the redis package is not installed (pip install -e '.[test]')")
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means "no Redis here"
        await client.aclose()
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(error).__name__}")
    return client


@pytest.fixture
async def linli_on_redis(
    telegram: FakeBotAPI, tmp_path, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    client = await _redis_or_skip()
    prefix = f"fsm:{telegram.token.split(':')[0]}:"
    budget = budget_prefix(int(telegram.token.split(":")[0]))  # the send budget's keys
    for key in [*await client.keys(prefix + "*"), *await client.keys(budget + "*")]:  # type: ignore[attr-defined]
        await client.delete(key)  # type: ignore[attr-defined]
    running = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'linli.sqlite3'}",
        redis_url=REDIS_URL,
        default_locale="en",
    )
    await running.start()
    yield running
    await running.stop()
    for key in [*await client.keys(prefix + "*"), *await client.keys(budget + "*")]:  # type: ignore[attr-defined]
        await client.delete(key)  # type: ignore[attr-defined]
    await client.aclose()  # type: ignore[attr-defined]


@ON_REDIS
async def test_restart_in_the_middle_with_redis(
    linli_on_redis: RunningBot, telegram: FakeBotAPI
) -> None:
    assert "Redis" in type(linli_on_redis.app.dispatcher.storage).__name__
    pat = telegram.user(6001, first_name="Pat", language_code="en")
    await agree_to_register(pat)
    await linli_on_redis.restart()
    await pat.send_text("Pat")
    assert "phone number" in pat.last.text
    await pat.tap_reply("⏭ Skip")
    await pat.send_text("Block 9")
    row = await user_row(linli_on_redis, 6001)
    assert row is not None and row.is_onboarded
