"""Small wishes meet bad input at each step and change nothing: free text or a sticker where a
button is awaited (the question again, with its buttons), a sticker where words are, 4,000
characters, forged and stale buttons (another community's wish, someone else's claim, a card
drawn before a change), a double tap on "send" and on "I received it". And "delete my data"
leaves nothing of what Mei wrote in her wishes and thanks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.callbacks import CampaignStep, WishAction, WishReview, WishStep
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from storage.models import UserRole, Wish, WishCampaign, WishStatus
from tests.e2e.community import (
    COORDINATORS_CHAT,
    person,
    resident_and_coordinator,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.test_wishes import make_a_wish
from tests.traces import traces_of

MEI, LIN, TAO, SAM, EVE = 501, 502, 503, 504, 505
STALE = "This button is no longer active. Please use the latest message."


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(datetime(2026, 3, 2, 2, tzinfo=UTC))
    async with running_community(telegram, database_url, clock) as running:
        yield running


def has(text: str):  # type: ignore[no-untyped-def]
    return lambda message: text in message.text


async def wishes_in_db(linli: RunningBot) -> list[Wish]:
    async with linli.app.session_factory() as session:
        return list(await session.scalars(select(Wish).order_by(Wish.id)))


async def test_bad_input_at_each_step_of_writing_a_wish_changes_nothing(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await resident_and_coordinator(community, telegram, MEI, LIN)
    await person(community, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    mei, tao = telegram.users[MEI], telegram.users[TAO]

    await tao.send_command("/wish")  # volunteers give; residents wish
    assert "Wishes are made by the residents" in tao.last.text

    await mei.send_command("/wish")
    await mei.send_text("a coat please")  # typed where a kind is awaited
    assert "What kind of wish" in mei.last.text and mei.last.buttons
    await mei.send_sticker()
    assert "What kind of wish" in mei.last.text
    await mei.press_data(WishStep(field="kind", value="car").pack(), mei.last.message_id)
    assert mei.callback_answers[-1].text == STALE
    await mei.tap("🎁 Something to have")
    await mei.send_sticker()  # not words
    assert "Please say your wish in words" in mei.last.text
    await mei.send_text("x" * 4000)
    assert "at most 500 characters" in mei.last.text
    await mei.send_text("A warm winter coat")
    await mei.send_text("some money")  # not an amount
    assert "did not understand the amount" in mei.last.text and mei.last.buttons
    await mei.press_data(WishStep(field="value", value="999").pack(), mei.last.message_id)
    assert mei.callback_answers[-1].text == STALE
    await mei.send_text("¥150")
    await mei.send_text("Room 302")  # a door number is no form of address
    assert "without numbers" in mei.last.text
    await mei.send_sticker()
    assert "without numbers" in mei.last.text
    await mei.send_text("Grandma Mei")
    await mei.send_text("seventy")  # typed where an age band is awaited
    assert "the age, roughly" in mei.last.text and mei.last.buttons
    await mei.tap("in their 70s")
    summary = mei.last
    await mei.tap("✅ Send", message_id=summary.message_id)
    await mei.press_data(
        WishStep(field="confirm", value="send").pack(), summary.message_id
    )  # a double tap
    await community.outbox_drained()
    (wish,) = await wishes_in_db(community)
    assert (wish.value_yuan, wish.address_as, wish.status) == (
        150,
        "Grandma Mei",
        WishStatus.PENDING,
    )


async def test_forged_and_stale_buttons_on_wishes_change_nothing(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await resident_and_coordinator(community, telegram, MEI, LIN)
    await person(community, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, SAM, UserRole.RESIDENT, name="Sam Wu")
    east = await second_community(community)
    await person(community, telegram, EVE, UserRole.COORDINATOR, name="Eve", community_id=east)
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN, SAM])
    mei, tao, sam, eve = (telegram.users[i] for i in (MEI, TAO, SAM, EVE))
    await make_a_wish(telegram)
    card = await group.wait_for_message(has("A warm winter coat"))
    (wish,) = await wishes_in_db(community)

    # a wish is never written (nor the list shown) in a group
    await group.as_user(LIN).send_command("/wish")
    assert "private chat with me" in group.last.text
    await group.as_user(SAM).send_command("/wishes")
    assert "private chat with me" in group.last.text

    # not a coordinator; another community's coordinator: nothing happens
    await group.as_user(SAM).tap("✅ Approve", message_id=card.message_id)
    assert group.as_user(SAM).callback_answers[-1].text == "Only coordinators can do this."
    await eve.send_text("hello")
    forged = WishReview(action="approve", wish_id=wish.id, version=wish.version).pack()
    await eve.press_data(forged, eve.last.message_id)
    assert eve.callback_answers[-1].text == STALE
    # nobody lights what is not checked yet, even with a forged button
    await sam.send_text("🕯 Light a wish")
    light = WishAction(action="light", wish_id=wish.id, version=wish.version).pack()
    await sam.press_data(light, sam.last.message_id)
    assert (await wishes_in_db(community))[0].status is WishStatus.PENDING

    lin = group.as_user(LIN)
    await lin.tap("✅ Approve", message_id=card.message_id)
    await lin.press_data(forged, card.message_id)  # the same press again: the card now
    assert "changed since" in (lin.callback_answers[-1].text or "")
    (wish,) = await wishes_in_db(community)
    assert (wish.status, wish.version) == (WishStatus.OPEN, 2)

    # Eve of East Lane cannot light it with a forged button; Sam can; Tao's "delivered" on
    # Sam's claim does nothing
    await eve.press_data(
        WishAction(action="light", wish_id=wish.id, version=2).pack(), eve.last.message_id
    )
    assert eve.callback_answers[-1].text == STALE
    await sam.send_text("🕯 Light a wish")
    await sam.tap("🕯 I'll light this")
    await tao.send_text("🕯 Light a wish")
    assert "no wish waiting" in tao.last.text
    await tao.press_data(
        WishAction(action="given", wish_id=wish.id, version=3).pack(), tao.last.message_id
    )
    assert tao.callback_answers[-1].text == STALE
    # Tao types where nothing is asked: the bot does not take it as anything of a wish
    await tao.send_text("delivered!")
    # Sam brings it; Mei taps "I received it" twice; a stranger's forged "got" does nothing
    await sam.tap("📦 Delivered")
    arrived = await mei.wait_for_message(has("was brought to you"))
    await tao.press_data(WishAction(action="got", wish_id=wish.id).pack(), tao.last.message_id)
    assert tao.callback_answers[-1].text == STALE
    await mei.tap("✅ I received it", message_id=arrived.message_id)
    await mei.press_data(WishAction(action="got", wish_id=wish.id).pack(), arrived.message_id)
    await mei.send_sticker()  # at the thanks step
    assert "a voice message 🎙, a photo or a few words" in mei.last.text
    await mei.send_text("Thank you so much, dear neighbour!")
    await sam.wait_for_message(has("Thank you so much, dear neighbour!"))
    await community.outbox_drained()
    assert sum("received your gift" in m.text for m in sam.messages) == 1
    (wish,) = await wishes_in_db(community)
    assert wish.status is WishStatus.RECEIVED

    # Mei deletes her data: nothing she wrote in her wishes or thanks is left
    await make_a_wish(telegram, "New glasses for reading")
    await mei.send_command("/privacy")
    await mei.tap("🗑 Delete my data")
    await mei.tap("🗑 Yes, delete everything")
    await community.outbox_drained()
    async with community.app.session_factory() as s:
        rows = list(await s.scalars(select(Wish).order_by(Wish.id)))
        assert [(w.status, w.description, w.thanks_text) for w in rows] == [
            (WishStatus.RECEIVED, "", None),
            (WishStatus.CANCELLED, "", None),
        ]
        mei_row = rows[0].posted_by_id
        assert mei_row is not None
        assert not await traces_of(s, mei_row, MEI)


async def test_a_wish_said_by_voice_reaches_the_coordinators_and_gets_words_before_donors(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await resident_and_coordinator(community, telegram, MEI, LIN)
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    mei = telegram.users[MEI]
    await mei.send_text("🌟 Make a wish")
    await mei.tap("🎁 Something to have")
    sent = await mei.send_voice(duration=5)
    await mei.tap("🤷 I don't know")
    await mei.send_text("Grandma Mei")
    await mei.tap("in their 80s")
    assert "With a voice message" in mei.last.text
    await mei.tap("✅ Send")
    card = await group.wait_for_message(has("With a voice message (below)"))
    voice = await group.wait_for_message(lambda m: m.raw.get("voice") is not None)
    assert voice.raw["voice"]["file_id"] == sent["message"]["voice"]["file_id"]
    lin = group.as_user(LIN)
    await lin.tap("✅ Approve", message_id=card.message_id)
    assert "please write the wish in words first" in (lin.callback_answers[-1].text or "")
    (wish,) = await wishes_in_db(community)
    assert wish.status is WishStatus.PENDING
    await lin.tap("✏️ Change the words", message_id=card.message_id)
    await lin.answer_prompt("A pair of warm slippers")
    await group.wait_for_message(has("The words were changed"))
    await lin.tap("✅ Approve", message_id=card.message_id)
    (wish,) = await wishes_in_db(community)
    assert (wish.status, wish.description) == (WishStatus.OPEN, "A pair of warm slippers")


async def test_opening_a_campaign_day_meets_bad_input_kindly(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await resident_and_coordinator(community, telegram, MEI, LIN)
    await person(community, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    lin, tao = telegram.users[LIN], telegram.users[TAO]
    await tao.send_command("/campaign")
    assert tao.last.text == "Only coordinators can do this."

    # nothing verified yet: nothing to gather
    await lin.send_command("/campaign")
    await lin.send_sticker()
    assert "at most 64 characters" in lin.last.text
    await lin.send_text("x" * 4000)
    assert "at most 64 characters" in lin.last.text
    await lin.send_text("Light a Wish Day")
    await lin.send_text("tomorrow")  # typed where a day is tapped
    assert "On which day?" in lin.last.text and lin.last.buttons
    await lin.press_data(CampaignStep(field="day", value="1999-01-01").pack(), lin.last.message_id)
    assert lin.callback_answers[-1].text == STALE
    await lin.tap("Mon 2 Mar")
    assert "nothing to gather yet" in lin.last.text
    assert ["🌟 Make a wish", "🕯 Light a wish"] in (lin.reply_keyboard or [])  # the menu back

    await make_a_wish(telegram)
    card = await telegram.groups[COORDINATORS_CHAT].wait_for_message(has("A warm winter coat"))
    await (
        telegram.groups[COORDINATORS_CHAT]
        .as_user(LIN)
        .tap("✅ Approve", message_id=card.message_id)
    )
    await lin.send_command("/campaign")
    await lin.send_text("Light a Wish Day")
    await lin.tap("Tue 3 Mar")
    assert "1 verified wishes" in lin.last.text
    confirm = lin.last
    await lin.tap("✅ Open the campaign", message_id=confirm.message_id)
    await lin.press_data(CampaignStep(field="go", value="yes").pack(), confirm.message_id)
    await community.outbox_drained()
    async with community.app.session_factory() as s:
        assert len(list(await s.scalars(select(WishCampaign)))) == 1  # a double tap: one
