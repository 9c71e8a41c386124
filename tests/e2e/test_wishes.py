"""Conversations of small wishes (点亮微心愿), in English: Mei makes a wish from her menu, the
coordinators approve it in their group, a donor lights it, is reminded, forgets it, and it
goes back to the pool by itself; another neighbour lights it again, brings it, Mei confirms
with one tap and thanks her by voice, which reaches the donor's chat. No donor ever reads
Mei's address, phone or name; a donor of another community never sees the wish. Time moves
by the clock and the scheduler's tick is called by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import WishAction
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from storage.models import UserRole, Wish, WishStatus
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_ADDRESS,
    RESIDENT_PHONE,
    VOLUNTEERS_CHAT,
    person,
    resident_and_coordinator,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot

MEI, LIN, TAO, SAM, EVE = 501, 502, 503, 504, 505
START = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(START)
    async with running_community(
        telegram, database_url, clock, wish_pickup_point="Community centre, ground floor"
    ) as running:
        yield running


def has(text: str):  # type: ignore[no-untyped-def]
    return lambda message: text in message.text


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> int:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    return await scheduler.tick()


async def wishes_in_db(linli: RunningBot) -> list[Wish]:
    async with linli.app.session_factory() as session:
        return list(await session.scalars(select(Wish).order_by(Wish.id)))


async def cast(linli: RunningBot, telegram: FakeBotAPI):  # type: ignore[no-untyped-def]
    """Mei (resident, Flat 3B), coordinator Lin in the coordinators' group, volunteer Tao,
    resident Sam (a donor of things), and Eve of East Lane."""
    await resident_and_coordinator(linli, telegram, MEI, LIN)
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    await person(linli, telegram, SAM, UserRole.RESIDENT, name="Sam Wu", area="Block 2")
    east = await second_community(linli)
    await person(linli, telegram, EVE, UserRole.VOLUNTEER, name="Eve Zhang", community_id=east)
    telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[TAO])
    return telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])


async def make_a_wish(telegram: FakeBotAPI, words: str = "A warm winter coat") -> None:
    mei = telegram.users[MEI]
    await mei.send_text("🌟 Make a wish")
    assert "What kind of wish" in mei.last.text
    await mei.tap("🎁 Something to have")
    await mei.send_text(words)
    assert "How much is it worth" in mei.last.text or "worth" in mei.last.text
    await mei.tap("about ¥200")
    assert "How should neighbours call you" in mei.last.text
    await mei.send_text("Grandma Mei")
    await mei.tap("in their 70s")
    summary = mei.last.text
    assert words in summary and "Grandma Mei" in summary and "about ¥200" in summary
    await mei.tap("✅ Send")
    assert "was sent to the coordinators" in mei.last.text


@pytest.mark.postgresql
async def test_a_wish_posted_verified_lit_reminded_lapsed_lit_again_received_and_thanked(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    group = await cast(community, telegram)
    mei, tao, sam, eve = (telegram.users[i] for i in (MEI, TAO, SAM, EVE))

    await make_a_wish(telegram)
    card = await group.wait_for_message(has("A warm winter coat"))
    assert "Grandma Mei" in card.text and "Mei Chen" in card.text  # coordinators know whose
    (wish,) = await wishes_in_db(community)
    assert wish.status is WishStatus.PENDING

    # nobody lights a wish before it is checked
    await tao.send_text("🕯 Light a wish")
    assert "no wish waiting" in tao.last.text

    lin = group.as_user(LIN)
    await lin.tap("✅ Approve", message_id=card.message_id)
    assert "Approved by Lin" in group.message(card.message_id).text
    await mei.wait_for_message(has("Neighbours can light it now"))
    posted = await telegram.groups[VOLUNTEERS_CHAT].wait_for_message(has("A new wish"))
    assert "A warm winter coat" in posted.text and "Grandma Mei" in posted.text
    assert RESIDENT_ADDRESS not in posted.text and "Mei Chen" not in posted.text

    # Eve, of East Lane, never sees it; Tao sees only what a donor may
    await eve.send_text("🕯 Light a wish")
    assert "no wish waiting" in eve.last.text
    await tao.send_text("🕯 Light a wish")
    shown = tao.last
    assert "Grandma Mei, in their 70s" in shown.text and "A warm winter coat" in shown.text
    assert "Building 5" in shown.text  # the area
    for private in ("Mei Chen", RESIDENT_ADDRESS, RESIDENT_PHONE, "A1"):
        assert private not in shown.text
    await tao.tap("🕯 I'll light this")
    lit = tao.message(shown.message_id)
    assert "You lit this wish" in lit.text and "9 Mar" in lit.text  # a week to bring it
    assert ["🏪 Left at the pick-up point"] in lit.buttons
    await group.wait_for_message(has("was lit by Tao Wang"))
    await mei.wait_for_message(has("A neighbour lit your wish"))
    # a double tap (the same button pressed again) changes nothing
    again = WishAction(action="light", wish_id=wish.id, version=wish.version).pack()
    await tao.press_data(again, message_id=shown.message_id)
    (wish,) = await wishes_in_db(community)
    assert (wish.status, wish.version) == (WishStatus.LIT, 3)

    # two days before the deadline, Tao is reminded, once
    await tick_at(community, clock, START + timedelta(days=5, minutes=1))
    reminder = await tao.wait_for_message(has("A reminder"))
    assert "A warm winter coat" in reminder.text and RESIDENT_ADDRESS not in reminder.text
    await tick_at(community, clock, START + timedelta(days=5, minutes=30))
    await community.outbox_drained()
    assert sum("A reminder" in m.text for m in tao.messages) == 1

    # Mei sees where her wish stands when she opens "Make a wish" again
    await mei.send_text("🌟 Make a wish")
    assert "#1 A warm winter coat: 🕯 Lit: a neighbour is bringing it" in mei.history[-2].text
    await mei.send_text("stop")

    # the deadline passes: the wish goes back by itself, and the coordinators are told, once
    await tick_at(community, clock, START + timedelta(days=7, minutes=1))
    await tao.wait_for_message(has("went back for another neighbour"))
    await group.wait_for_message(has("was not brought in time"))
    await tick_at(community, clock, START + timedelta(days=7, minutes=2))
    await community.outbox_drained()
    assert sum("not brought in time" in m.text for m in group.messages) == 1
    (wish,) = await wishes_in_db(community)
    assert (wish.status, wish.donor_id, wish.times_lapsed) == (WishStatus.OPEN, None, 1)
    # Tao's old buttons do nothing now
    await tao.tap("📦 Delivered", message_id=shown.message_id)
    assert "no longer active" in (tao.callback_answers[-1].text or "")

    # Sam lights it again and brings it
    await sam.send_text("🕯 Light a wish")
    await sam.tap("🕯 I'll light this")
    await sam.tap("📦 Delivered")
    assert "The household will confirm" in sam.last.text
    arrived = await mei.wait_for_message(has("was brought to you"))
    await group.wait_for_message(has("was brought to the household"))

    # Mei confirms with one tap and thanks Sam by voice
    await mei.tap("✅ I received it", message_id=arrived.message_id)
    assert "thank the neighbour" in mei.last.text
    await sam.wait_for_message(has("Grandma Mei received your gift"))
    sent = await mei.send_voice(duration=4)
    assert "on their way" in mei.last.text
    thanks = await sam.wait_for_message(has("Thanks from Grandma Mei"))
    assert thanks.raw.get("voice", {}).get("file_id") or thanks.kind == "voice", sent
    (wish,) = await wishes_in_db(community)
    assert wish.status is WishStatus.RECEIVED and wish.thanks_voice_file_id
    for donor in (tao, sam, eve):
        assert all(
            RESIDENT_ADDRESS not in m.text and "Mei Chen" not in m.text for m in donor.messages
        )
