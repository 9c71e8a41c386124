"""Two donors (then ten) press "🕯 I'll light this" on the same wish at the same moment, each in
their own chat, with the bot handling the updates concurrently (as `linli run` does): one
lights it, the others are told kindly that a neighbour was just before them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services import wishes
from bot.services.wishes import WishDraft
from storage.models import User, UserRole, Wish, WishKind, WishStatus
from tests.e2e.community import (
    COORDINATORS_CHAT,
    person,
    resident_and_coordinator,
    running_community,
)

# On PostgreSQL too: a race for one row.
pytestmark = pytest.mark.postgresql

DONORS = range(7101, 7111)


async def test_ten_donors_light_the_same_wish_at_once_and_one_wins(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    async with running_community(telegram, database_url, clock, handle_as_tasks=True) as linli:
        resident, coordinator = await resident_and_coordinator(linli, telegram)
        telegram.group(COORDINATORS_CHAT, "Coordinators", members=[coordinator.telegram_id])
        for telegram_id in DONORS:
            await person(linli, telegram, telegram_id, UserRole.RESIDENT, name=f"D{telegram_id}")
        async with linli.app.session_factory() as session:
            mei = await session.get(User, resident.id)
            lin = await session.get(User, coordinator.id)
            draft = WishDraft(kind=WishKind.ITEM, description="A school bag for my grandson",
                              address_as="王奶奶", age_band="70s")  # fmt: skip
            wish, _ = await wishes.post_wish(session, mei, draft, clock=clock)
            assert lin is not None
            await wishes.approve(session, lin, wish, wish.version, clock=clock)
            await session.commit()

        donors = [telegram.users[telegram_id] for telegram_id in DONORS]
        for donor in donors:
            await donor.send_text("🕯 Light a wish")
            await donor.wait_for_message(lambda m: "I'll light this" in str(m.buttons))
        for donor in donors:  # all ten presses are queued before the bot polls again
            await donor.tap("🕯 I'll light this", wait=False)

        def heard(donor: ChatUser, words: str) -> bool:
            return any(words in m.text for m in donor.messages)

        def everyone_heard() -> bool | None:
            done = all(heard(d, "You lit this wish") or heard(d, "just before you") for d in donors)
            return done or None

        await telegram.state.feed.wait_for(everyone_heard, 60)
        lit = [d for d in donors if heard(d, "You lit this wish")]
        told = [d for d in donors if heard(d, "just before you")]
        assert len(lit) == 1 and len(told) == 9
        async with linli.app.session_factory() as session:
            (row,) = await session.scalars(select(Wish))
            winner = await session.get(User, row.donor_id)
            assert row.status is WishStatus.LIT and winner is not None
            assert winner.telegram_id == lit[0].user_id
