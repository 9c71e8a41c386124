"""Fixtures for conversations: a fake Telegram, the running bot, and people who talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from tests.e2e.community import running_community
from tests.e2e.harness import RunningBot
from tests.e2e.privacy import leaked_private_details


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    running = RunningBot(
        telegram, telegram.base_url, clock, database_url=database_url, default_locale="en"
    )
    await running.start()
    yield running
    await running.stop()
    leaks = await leaked_private_details(telegram, running.settings)
    assert not leaks, "private details reached someone who may not see them:\n" + "\n".join(leaks)


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """The first community with its groups (tests/e2e/community.py), privacy and separation
    checked at the end; a module that needs other settings defines its own."""
    async with running_community(telegram, database_url, clock) as running:
        yield running
