"""The running bot's outbox sender, and people who block and unblock the bot."""

from __future__ import annotations

import pytest

from bot.delivery.outbox import Priority, enqueue_message
from bot.emulator.server import FakeBotAPI
from tests.e2e.harness import RunningBot
from tests.e2e.steps import register, user_row


@pytest.mark.postgresql
async def test_queued_notice_arrives_and_blocking_is_remembered(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    ann = await register(telegram, 7001)
    async with linli.app.session_factory() as session:
        await enqueue_message(
            session,
            chat_id=7001,
            text="<b>Health talk</b> on Friday",
            kind="notice",
            priority=Priority.NOTICE,
            clock=linli.clock,
        )
        await session.commit()
    notice = await ann.wait_for_message(lambda m: "Health talk" in m.text)
    assert notice.text == "Health talk on Friday"

    await ann.block_bot()
    row = await user_row(linli, 7001)
    assert row is not None and row.unreachable_at is not None
    await ann.unblock_bot()
    row = await user_row(linli, 7001)
    assert row is not None and row.unreachable_at is None
