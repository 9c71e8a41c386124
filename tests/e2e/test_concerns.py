"""Conversations of concerns about a neighbour (主动发现): a resident says what she noticed about
a neighbour, where, and whether to hear back; the coordinators' group gets a card, links it to a
household (or opens one), assigns a follow-up with an owner and a due day, and closes it; the
reporter hears only that it was looked into. The scheduler (its tick called by hand while the
clock moves) reminds the owner and flags an overdue follow-up, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from bot.services.households import open_household
from storage.models import Base, Concern, ConcernStatus, FollowUp, UserRole
from tests.e2e.community import COORDINATORS_CHAT, person
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

MEI, LIN, GAO = 701, 702, 703
NOTICED = "Mr Zhou downstairs has a badly swollen leg and will not see a doctor"
NOTICED_HANT = "樓下周伯伯的腿腫得很厲害，說沒錢不肯看醫生"
STALE = "This button is no longer active. Please use the latest message."
DUE_DAY = datetime(2026, 3, 3, 1, tzinfo=UTC)  # Tuesday 9:00 in Shanghai: "Tomorrow"


async def cast(linli: RunningBot, telegram: FakeBotAPI, locale: str | None = None) -> GroupChat:
    """Mei (a resident), Lin and Gao (coordinators) and the coordinators' group."""
    await person(linli, telegram, MEI, UserRole.RESIDENT, name="Mei Chen", locale=locale)
    await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin Hua")
    await person(linli, telegram, GAO, UserRole.COORDINATOR, name="Gao Ming")
    return telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN, GAO])


async def concerns_in_db(linli: RunningBot) -> list[Concern]:
    async with linli.app.session_factory() as session:
        return list(await session.scalars(select(Concern).order_by(Concern.id)))


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> int:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    return await scheduler.tick()


async def raise_in_english(telegram: FakeBotAPI, text: str = NOTICED, *, hear: bool = True) -> None:
    mei = telegram.users[MEI]
    await mei.send_command("/start")  # her menu
    await mei.tap_reply("🫶 I'm worried about a neighbour")
    assert "What did you notice?" in mei.last.text
    await mei.send_text(text)
    assert "Where does your neighbour live?" in mei.last.text
    await mei.tap("📍 Building 5")
    assert "Which building, door or floor" in mei.last.text
    await mei.send_text("Door 2, 3rd floor")
    assert "name" in mei.last.text
    await mei.tap("⏭ Skip")
    await mei.tap("🔔 Yes, let me know" if hear else "🔕 No need")
    summary = mei.last
    assert "Door 2, 3rd floor" in summary.text and "Building 5" in summary.text
    await mei.tap("✅ Send to the coordinators")


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_concern_in_english_opens_a_new_household_is_followed_up_and_closed(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    coordinators = await cast(community, telegram)
    mei = telegram.users[MEI]
    await raise_in_english(telegram)
    thanks = await mei.wait_for_message(has("What usually happens next"))
    assert "We will let you know when it has been looked into" in thanks.text
    assert mei.reply_keyboard  # her menu is back

    card = await coordinators.wait_for_message(has("A neighbour is worried about someone"))
    assert NOTICED in card.text and "Door 2, 3rd floor" in card.text and "Mei Chen" in card.text
    assert "Not linked to a household yet" in card.text
    lin = coordinators.as_user(LIN)
    await lin.tap("➕ Open a new household", message_id=card.message_id)
    card = coordinators.message(card.message_id)
    assert "Household: A1 · Door 2, 3rd floor" in card.text

    # a follow-up: a visit, by Gao, tomorrow
    await lin.tap("🗓 Assign a follow-up", message_id=card.message_id)
    await lin.tap("🏠 Visit", message_id=card.message_id)
    await lin.tap("Gao Ming", message_id=card.message_id)
    await lin.tap("🗓 Tomorrow", message_id=card.message_id)
    card = coordinators.message(card.message_id)
    assert "🏠 Visit by Tue 3 Mar: Gao Ming" in card.text
    gao = telegram.users[GAO]
    assigned = await gao.wait_for_message(has("asked you to follow up household"))
    assert "A1 · Door 2, 3rd floor" in assigned.text and "Tue 3 Mar" in assigned.text

    # on the day, Gao is reminded; he did it, one tap
    await tick_at(community, clock, DUE_DAY)
    reminder = await gao.wait_for_message(has("Reminder: today"))
    await gao.tap("✅ Done", message_id=reminder.message_id)
    assert gao.callback_answers[-1].text == "✅ Thank you: marked done."
    await tick_at(community, clock, DUE_DAY + timedelta(days=2))  # done: never flagged
    await community.outbox_drained()
    assert not [m for m in coordinators.messages if "Overdue" in m.text]

    # the open concerns, each bringing its card
    lin_chat = telegram.users[LIN]
    await lin_chat.send_command("/concerns")
    assert "Concerns being looked into: 1" in lin_chat.last.text
    await lin_chat.tap("no. 1")
    assert "Household: A1 · Door 2, 3rd floor" in lin_chat.last.text
    assert "✅ Looked into: close" in str(lin_chat.last.buttons)

    # closed: Mei hears it was looked into, and nothing of what was found
    await lin.tap("✅ Looked into: close", message_id=card.message_id)
    assert "Looked into and closed" in coordinators.message(card.message_id).text
    told = await mei.wait_for_message(has("(no. 1) has been looked into"))
    assert "Gao" not in told.text and "A1" not in told.text and "Door 2" not in told.text
    [concern] = await concerns_in_db(community)
    assert concern.status is ConcernStatus.CLOSED and concern.household_id is not None
    await lin_chat.send_command("/concerns")
    assert "No concern is waiting" in lin_chat.last.text
    await telegram.users[MEI].send_command("/concerns")  # for coordinators only
    assert "Only the coordinators" in telegram.users[MEI].last.text


async def a_household(linli: RunningBot, label: str = "周伯伯家") -> int:
    """A household the coordinators already know (A1)."""
    async with linli.app.session_factory() as session:
        household = await open_household(
            session, community_id=1, label=label, now=linli.clock.now()
        )
        await session.commit()
        return household.id


async def test_a_concern_in_traditional_chinese_linked_to_a_known_household_and_closed(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    coordinators = await cast(community, telegram, locale="zh_Hant")
    await a_household(community)
    mei = telegram.users[MEI]
    await mei.send_command("/start")
    await mei.tap_reply("🫶 我擔心一位鄰居")
    assert "您注意到了什麼" in mei.last.text
    await mei.send_text(NOTICED_HANT)
    await mei.tap("📍 Building 5")
    await mei.tap("⏭ 略過")  # no building
    await mei.send_text("周伯伯")
    await mei.tap("🔔 好，告訴我")
    assert NOTICED_HANT in mei.last.text and "周伯伯" in mei.last.text
    await mei.tap("✅ 發給社區工作人員")
    thanks = await mei.wait_for_message(has("接下來一般會這樣"))
    assert "了解過後我們會告訴您" in thanks.text

    card = await coordinators.wait_for_message(has("A neighbour is worried about someone"))
    assert NOTICED_HANT in card.text and "Name: 周伯伯" in card.text
    lin = coordinators.as_user(LIN)
    await lin.tap("🏠 Link to a household", message_id=card.message_id)
    await lin.tap("A1 · 周伯伯家", message_id=card.message_id)
    assert "Household: A1 · 周伯伯家" in coordinators.message(card.message_id).text

    # Lin will call, today: it is 17:00 in Shanghai, past the day's 9:00, so the next tick
    # reminds her
    await lin.tap("🗓 Assign a follow-up", message_id=card.message_id)
    await lin.tap("📞 Call", message_id=card.message_id)
    await lin.tap("🙋 Me", message_id=card.message_id)
    await lin.tap("🗓 Today", message_id=card.message_id)
    assert "📞 Call by Mon 2 Mar: Lin Hua" in coordinators.message(card.message_id).text
    await tick_at(community, clock, clock.now() + timedelta(minutes=1))
    reminder = await telegram.users[LIN].wait_for_message(has("Reminder: today"))
    await telegram.users[LIN].tap("✅ Done", message_id=reminder.message_id)

    await lin.tap("✅ Looked into: close", message_id=card.message_id)
    told = await mei.wait_for_message(has("社區工作人員已經了解過了"))
    assert "周伯伯家" not in told.text and "Lin" not in told.text
    [concern] = await concerns_in_db(community)
    assert concern.status is ConcernStatus.CLOSED and concern.person_name == "周伯伯"


async def test_a_duplicate_is_merged_and_both_reporters_are_told(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators = await cast(community, telegram)
    await person(community, telegram, 704, UserRole.VOLUNTEER, name="Tao Wang")
    await raise_in_english(telegram)
    first = await coordinators.wait_for_message(has("concern no. 1"))
    tao = telegram.users[704]
    await tao.send_command("/concern")
    await tao.send_voice()  # said, not written
    await tao.tap("📍 Building 5")
    await tao.tap("⏭ Skip")
    await tao.tap("⏭ Skip")
    await tao.tap("🔔 Yes, let me know")
    await tao.tap("✅ Send to the coordinators")
    second = await coordinators.wait_for_message(has("concern no. 2"))
    assert "A voice note comes with it" in second.text
    heard = await coordinators.wait_for_message(lambda m: m.voice is not None)
    assert "With concern no. 2" in heard.text

    lin = coordinators.as_user(LIN)
    await lin.tap("➕ Open a new household", message_id=first.message_id)
    await lin.tap("🏠 Link to a household", message_id=second.message_id)
    await lin.tap("A1 · Door 2, 3rd floor", message_id=second.message_id)
    assert "Also open about this household: no. 1" in coordinators.message(second.message_id).text
    await lin.tap("🔗 Same as another concern", message_id=second.message_id)
    await lin.tap("no. 1", message_id=second.message_id)
    merged = coordinators.message(second.message_id)
    assert "The same as concern no. 1" in merged.text and not merged.buttons
    first_row, second_row = await concerns_in_db(community)
    assert second_row.status is ConcernStatus.MERGED and second_row.merged_into_id == first_row.id
    assert second_row.household_id == first_row.household_id is not None

    await lin.tap("✅ Looked into: close", message_id=first.message_id)
    await telegram.users[MEI].wait_for_message(has("(no. 1) has been looked into"))
    await tao.wait_for_message(has("(no. 2) has been looked into"))


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_an_overdue_follow_up_is_flagged_to_the_coordinators_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    coordinators = await cast(community, telegram)
    await a_household(community)
    await raise_in_english(telegram, hear=False)
    card = await coordinators.wait_for_message(has("concern no. 1"))
    lin = coordinators.as_user(LIN)
    await lin.tap("🏠 Link to a household", message_id=card.message_id)
    await lin.tap("A1 · 周伯伯家", message_id=card.message_id)
    await lin.tap("🗓 Assign a follow-up", message_id=card.message_id)
    await lin.tap("🏠 Visit", message_id=card.message_id)
    await lin.tap("Gao Ming", message_id=card.message_id)
    await lin.tap("🗓 Tomorrow", message_id=card.message_id)
    gao = telegram.users[GAO]

    assert await tick_at(community, clock, DUE_DAY - timedelta(minutes=1)) == 0  # not yet
    await tick_at(community, clock, DUE_DAY)
    await gao.wait_for_message(has("Reminder: today"))
    await tick_at(community, clock, DUE_DAY + timedelta(hours=23))  # still the day after
    await tick_at(community, clock, DUE_DAY + timedelta(days=1))
    flag = await coordinators.wait_for_message(has("Overdue"))
    assert "A1 · 周伯伯家" in flag.text and "Gao Ming" in flag.text and "Tue 3 Mar" in flag.text
    await tick_at(community, clock, DUE_DAY + timedelta(days=3))  # a restart, a second tick
    await community.outbox_drained()
    assert len([m for m in coordinators.messages if "Overdue" in m.text]) == 1
    async with community.app.session_factory() as session:
        [follow_up] = list(await session.scalars(select(FollowUp)))
        assert follow_up.flagged_at is not None and follow_up.next_due_at is None


async def test_emergency_words_in_a_concern_get_the_emergency_answer_at_once(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators = await cast(community, telegram)
    mei = telegram.users[MEI]
    await mei.send_command("/concern")
    await mei.send_text("My neighbour fell and can't get up, I hear her calling")
    first = mei.replies[0]
    assert "120" in first.text  # the numbers first, before anything else
    assert "I have alerted the coordinators (concern no. 1)" in mei.last.text
    alert = await coordinators.wait_for_message(has("Possible emergency"))
    assert "fell and can't get up" in alert.text
    [concern] = await concerns_in_db(community)
    assert concern.urgent and concern.status is ConcernStatus.OPEN
    await mei.send_text("hello")  # the conversation is over: an ordinary word is not a concern
    assert len(await concerns_in_db(community)) == 1


async def test_bad_input_at_each_step_gets_a_kind_answer_and_changes_nothing(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators = await cast(community, telegram)
    mei = telegram.users[MEI]
    await mei.send_command("/concern")
    await mei.send_sticker()
    assert "Please write what you noticed" in mei.last.text
    await mei.send_text("x" * 4000)
    assert "keep it to 2000 characters" in mei.last.text
    await mei.send_text(NOTICED)
    place_question = mei.last
    await mei.send_text("the tall one")  # typed where a place is tapped: the question again
    assert "Where does your neighbour live?" in mei.last.text and mei.last.buttons
    await mei.press_data("pl:999", message_id=place_question.message_id)  # not one of ours
    assert mei.callback_answers[-1].text == STALE
    await mei.tap("📍 Building 5", message_id=place_question.message_id)
    await mei.send_sticker()
    assert "Please write it in words" in mei.last.text
    await mei.send_text("y" * 4000)
    assert "keep it to 64 characters" in mei.last.text
    await mei.tap("⏭ Skip")
    await mei.tap("⏭ Skip")
    await mei.send_text("yes please")  # typed where a button is awaited
    assert "Would you like us to let you know" in mei.last.text and mei.last.buttons
    await mei.press_data("cn:hear:maybe", message_id=mei.last.message_id)
    assert mei.callback_answers[-1].text == STALE
    await mei.tap("🔕 No need")
    summary = mei.last
    send = summary.buttons[0][0]
    assert send == "✅ Send to the coordinators"
    await mei.press_data("cn:send:", message_id=summary.message_id, wait=False)  # a double tap
    await mei.press_data("cn:send:", message_id=summary.message_id, wait=False)
    await mei.wait_for_message(has("What usually happens next"))
    await community.outbox_drained()
    assert len(await concerns_in_db(community)) == 1
    await mei.press_data("cn:send:", message_id=summary.message_id)  # stale, afterwards
    assert mei.callback_answers[-1].text == STALE
    assert len(await concerns_in_db(community)) == 1
    assert "We will let you know" not in mei.last.text  # she did not ask to hear

    # the coordinators' card: a double tap opens one household; a stale button is redrawn
    card = await coordinators.wait_for_message(has("concern no. 1"))
    lin = coordinators.as_user(LIN)
    new = "cc:new:1:1:"
    await lin.press_data(new, message_id=card.message_id, wait=False)
    await lin.press_data(new, message_id=card.message_id, wait=False)
    await telegram.state.feed.wait_for(lambda: len(lin.callback_answers) >= 2 or None, 10)
    [concern] = await concerns_in_db(community)
    assert concern.household_id is not None and concern.version == 2
    await lin.press_data("cc:close:1:1:", message_id=card.message_id)  # drawn before the change
    assert "changed meanwhile" in (lin.callback_answers[-1].text or "")
    assert (await concerns_in_db(community))[0].status is ConcernStatus.OPEN
    await lin.press_data("cc:hh:1:2:99999", message_id=card.message_id)  # no such household
    assert (await concerns_in_db(community))[0].household_id == concern.household_id


async def test_what_the_reporter_typed_is_erased_with_her_data(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators = await cast(community, telegram)
    await raise_in_english(telegram)
    await coordinators.wait_for_message(has("concern no. 1"))
    mei = telegram.users[MEI]
    await mei.send_command("/privacy")
    await mei.tap("🗑 Delete my data")
    await mei.tap("🗑 Yes, delete everything")
    assert "Your data has been deleted" in mei.last.text
    [concern] = await concerns_in_db(community)
    assert concern.description == "" and concern.building is None and not concern.wants_outcome
    rows = []  # every row of every table, as text
    async with community.app.engine.connect() as connection:
        for table in Base.metadata.tables.values():
            rows += [repr(tuple(row)) for row in await connection.execute(select(table))]
    dump = "\n".join(rows)
    assert NOTICED not in dump and "Door 2, 3rd floor" not in dump
