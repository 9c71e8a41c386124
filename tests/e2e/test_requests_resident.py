"""Conversations: a resident asks for help, follows and cancels a request, rates the help, and
gets the emergency numbers at once when something sounds like an emergency."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.callbacks import RequestAction
from bot.delivery.outbox import Priority
from bot.emulator.server import FakeBotAPI
from bot.services import claims, requests, review
from bot.services.requests import RequestDraft
from storage.models import (
    DayPart,
    OutboxMessage,
    RequestCategory,
    RequestStatus,
    RequestTiming,
    User,
    UserRole,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import Actions, english_words, requests_in_db
from tests.people import make_person

STALE = "This button is no longer active. Please use the latest message."
ANN, MEI, BEN, LIN, TAO = 5001, 5002, 5003, 5901, 5902


async def cast(linli: RunningBot, *, mei_locale: str | None = None) -> None:
    """Ann (English, saved address), Mei (at 3号楼, no address), Ben, Lin, volunteer Tao."""
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, ANN, UserRole.RESIDENT, name="Ann Lee",
                          phone="13800138000", address="Flat 3B, Building 5")  # fmt: skip
        await make_person(s, linli.clock, MEI, UserRole.RESIDENT, name="梅", phone="13900139000",
                          area="3号楼", locale=mei_locale)  # fmt: skip
        await make_person(s, linli.clock, BEN, UserRole.RESIDENT, name="Ben",
                          address="Flat 9C, Building 2")  # fmt: skip
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await make_person(s, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao Wang")
        await s.commit()


async def test_resident_asks_from_her_menu_in_four_actions_with_a_voice_note(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """The kind on her menu, a voice note, when, send: her saved address is not asked, the
    summary shows it with a button to change it, and the coordinators get the card."""
    await cast(linli)
    ann = Actions(telegram.user(ANN, first_name="Ann", language_code="en"))
    lin = telegram.user(LIN, first_name="Lin", language_code="en")
    await ann.send_command("/start")  # her menu
    ann.count = 0

    await ann.tap_reply("🛒 Shopping and errands")
    assert "What do you need?" in ann.last.text and "voice message" in ann.last.text
    await ann.send_voice()
    assert "When do you need help?" in ann.last.text
    assert ann.last.buttons == [["⚡ As soon as possible"], ["📅 Today"], ["📅 Tomorrow"],
                                ["🗓 Pick a day"]]  # fmt: skip
    await ann.tap("📅 Tomorrow")
    summary = ann.last
    assert "Shopping and errands" in summary.text and "🎤" in summary.text
    assert "tomorrow, any time of day" in summary.text and "Flat 3B, Building 5" in summary.text
    assert ["🏠 Change the address"] in summary.buttons
    await ann.tap("✅ Send")
    assert ann.count == 4
    assert "Request no. 1" in ann.last.text
    assert "A coordinator will check it soon" in ann.last.text

    card = await lin.wait_for_message(lambda m: "New request" in m.text)
    assert "Flat 3B, Building 5" in card.text and "+86 138 0013 8000" in card.text
    assert ["✅ Approve and publish"] in card.buttons

    (request,) = await requests_in_db(linli)
    assert request.status is RequestStatus.PENDING and request.voice_file_id
    assert request.category is RequestCategory.SHOPPING
    assert (request.timing, request.day_part) == (RequestTiming.TOMORROW, DayPart.ANY)
    assert request.address == "Flat 3B, Building 5" and not request.urgent


@pytest.mark.postgresql
async def test_resident_asks_in_chinese_with_a_photo_a_chosen_day_and_a_new_address(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(linli, mei_locale="zh_Hans")
    mei = telegram.user(MEI, first_name="梅", language_code="zh-hans")

    await mei.send_command("/request")
    assert "您需要哪方面的帮助" in mei.last.text
    await mei.tap("🔧 家居维修")
    await mei.send_photo(caption="水龙头漏水")
    await mei.tap("🗓 选一天")
    days = mei.last.buttons
    assert len(days) == 7 and "周" in days[0][0]
    await mei.tap(days[2][0])
    assert "🏠 3号楼" in mei.last.text  # her place stands for her address: not asked
    await mei.tap("🏠 改地址")
    assert "请输入地址" in mei.last.text
    await mei.send_text("3号楼2单元401，门铃坏了，请敲门")
    assert "记住" in mei.replies[0].text  # asked once: kept for next time, visits and alerts
    assert "3号楼2单元401" in mei.last.text and "🖼" in mei.last.text
    await mei.tap("✅ 发送")
    assert "求助编号 1" in mei.last.text

    for message in mei.messages:
        assert not english_words(message.text), message.text
        for row in message.buttons:
            for label in row:
                assert not english_words(label), label

    (request,) = await requests_in_db(linli)
    assert request.photo_file_id and request.description == "水龙头漏水"
    assert request.timing is RequestTiming.DAY and request.day_part is DayPart.ANY
    assert request.address == "3号楼2单元401，门铃坏了，请敲门"
    async with linli.app.session_factory() as s:
        row = await s.scalar(select(User).where(User.telegram_id == MEI))
        assert row is not None and row.address == "3号楼2单元401，门铃坏了，请敲门"


async def test_bad_input_at_each_step_is_answered_kindly(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(linli)
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    await ann.send_command("/request")
    question = ann.last.message_id
    await ann.send_sticker()
    assert "Here is the question again" in ann.last.text  # and its buttons, to tap right there
    assert "What do you need help with?" in ann.last.text
    assert ["🍲 Meals"] in ann.last.buttons
    await ann.press_data("nr:cat:caviar", message_id=question)  # forged category
    assert ann.callback_answers[-1].text == STALE
    await ann.tap("🍲 Meals")
    await ann.press_data("nr:cat:meals", message_id=question)  # a second tap
    assert ann.callback_answers[-1].text == STALE

    await ann.send_sticker()
    assert "say it in words, or send a voice message" in ann.last.text
    await ann.send_text("A warm lunch, please")
    await ann.send_voice()
    assert "Here is the question again" in ann.last.text
    assert ["⚡ As soon as possible"] in ann.last.buttons
    await ann.send_text("whenever the moon is blue")
    assert "did not understand the time" in ann.last.text
    assert ["🗓 Pick a day"] in ann.last.buttons  # the choices again
    await ann.tap("🗓 Pick a day")
    await ann.press_data("nr:day:2020-01-01", message_id=ann.last.message_id)
    assert "that day cannot be chosen" in (ann.callback_answers[-1].text or "")
    assert ann.last.text == "Which day?"  # the days again
    await ann.tap(ann.last.buttons[0][0])
    summary = ann.last.message_id
    await ann.send_sticker()
    assert "Here is the question again" in ann.last.text
    assert "A warm lunch, please" in ann.last.text  # the summary again, with its buttons
    assert ann.last.buttons
    await ann.press_data("nr:confirm:everything", message_id=summary)  # forged
    assert ann.callback_answers[-1].text == STALE
    await ann.tap("🏠 Change the address", message_id=summary)
    await ann.send_photo()
    assert "type the address in words" in ann.last.text
    await ann.send_text("y" * 4000)
    assert "keep it under 200 characters" in ann.last.text
    await ann.send_text("Flat 1A, Building 7")
    await ann.tap("Only this time")
    assert "Flat 1A, Building 7" in ann.last.text  # the summary again, with this address
    await ann.send_command("/cancel")
    assert "Nothing was changed" in ann.last.text
    assert await requests_in_db(linli) == []

    await ann.send_command("/request")  # start again, then cancel from the summary
    await ann.tap("☕ Companionship")
    await ann.send_text("Someone to walk with me")
    await ann.tap("⚡ As soon as possible")
    await ann.tap("✖️ Cancel")
    assert "nothing was sent" in ann.last.text
    assert await requests_in_db(linli) == []


async def test_emergency_words_get_the_numbers_at_once_and_alert_coordinators(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(linli)
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")

    await ann.send_text("My husband fell and can't get up")
    first = ann.replies[0].text
    assert "call now" in first and "120" in first and "ambulance" in first and "fire" in first
    assert "alerted the coordinators" in ann.last.text
    alert = await lin.wait_for_message(lambda m: "Possible emergency" in m.text)
    assert "fell and can't get up" in alert.text and "+86 138 0013 8000" in alert.text

    (request,) = await requests_in_db(linli)
    assert request.urgent and request.emergency and request.status is RequestStatus.PENDING
    async with linli.app.session_factory() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "request.new"))
        assert row is not None and row.priority == Priority.URGENT


async def test_urgent_button_and_emergency_words_mid_flow_in_chinese(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(linli, mei_locale="zh_Hans")
    mei = telegram.user(MEI, first_name="梅", language_code="zh-hans")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")

    await mei.send_command("/request")
    await mei.tap("🚨 很紧急")
    numbers = next(m.text for m in mei.replies if "请马上打电话" in m.text)
    assert "120" in numbers and "急救" in numbers and "火警" in numbers
    await lin.wait_for_message(lambda m: "Possible emergency" in m.text)

    await mei.send_command("/request")
    await mei.tap("🏥 陪同就医")
    await mei.send_text("我胸口痛，喘不过气")
    assert "请马上打电话" in mei.replies[0].text
    await lin.wait_for_message(lambda m: "胸口痛" in m.text)

    first, second = await requests_in_db(linli)
    assert first.urgent and first.category is RequestCategory.OTHER
    assert second.urgent and second.category is RequestCategory.MEDICAL_ESCORT


@pytest.mark.postgresql
async def test_my_requests_and_cancelling_one_a_volunteer_holds(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(linli)
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    tao = telegram.user(TAO, first_name="Tao", language_code="en")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")
    async with linli.app.session_factory() as s:
        people = {u.telegram_id: u for u in await s.scalars(select(User))}
        draft = RequestDraft(category=RequestCategory.MEALS, description="Soup for two days")
        held = await requests.submit_request(s, people[ANN], draft, clock=linli.clock)
        await review.approve_request(s, people[LIN], held.id, held.version, clock=linli.clock)
        await claims.claim_task(s, people[TAO], held.id, clock=linli.clock, max_open_claims=3)
        other = await requests.submit_request(
            s, people[BEN], RequestDraft(category=RequestCategory.OTHER, description="Post"),
            clock=linli.clock,
        )  # fmt: skip
        held_id, other_id = held.id, other.id
        await s.commit()

    await ann.send_command("/myrequests")
    card = ann.last
    assert "Soup for two days" in card.text and "A volunteer is coming" in card.text
    await ann.tap("✖️ Cancel this request")
    assert "Cancel this request?" in ann.last.text
    await ann.tap("↩️ No, keep it")
    assert "Cancel this request?" not in ann.message(card.message_id).text
    await ann.tap("✖️ Cancel this request")
    await ann.tap("✖️ Yes, cancel it")
    assert "Cancelled" in ann.message(card.message_id).text
    confirm = RequestAction(action="cancel_yes", request_id=held_id).pack()
    await ann.press_data(confirm, message_id=card.message_id)  # a double tap
    assert "already finished" in (ann.callback_answers[-1].text or "")

    told = await tao.wait_for_message(lambda m: "cancelled by the resident" in m.text)
    assert "Flat 3B" not in told.text
    await lin.wait_for_message(lambda m: f"Request no. {held_id} was cancelled" in m.text)

    # someone else's request: as if it did not exist, and nothing changes
    forged = RequestAction(action="cancel_yes", request_id=other_id).pack()
    await ann.press_data(forged, message_id=card.message_id)
    assert "could not find that request" in (ann.callback_answers[-1].text or "")
    rows = {r.id: r for r in await requests_in_db(linli)}
    assert rows[held_id].status is RequestStatus.CANCELLED
    assert rows[other_id].status is RequestStatus.PENDING


async def _done_by_tao(linli: RunningBot) -> int:
    """Ann's shopping, approved by Lin, done by Tao: the id of the request she can rate."""
    await cast(linli)
    async with linli.app.session_factory() as s:
        people = {u.telegram_id: u for u in await s.scalars(select(User))}
        draft = RequestDraft(category=RequestCategory.SHOPPING, description="Rice")
        request = await requests.submit_request(s, people[ANN], draft, clock=linli.clock)
        await review.approve_request(s, people[LIN], request.id, request.version, clock=linli.clock)
        await claims.claim_task(s, people[TAO], request.id, clock=linli.clock, max_open_claims=3)
        await claims.complete_task(s, people[TAO], request.id, 30, clock=linli.clock)
        await s.commit()
        return request.id


async def test_low_rating_and_comment_reach_the_coordinators(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    request_id = await _done_by_tao(linli)
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")

    await ann.send_command("/myrequests")
    rate = RequestAction(action="rate", request_id=request_id, value=2).pack()
    await ann.press_data(rate, message_id=ann.last.message_id)
    assert "Thank you! You gave request no." in ann.last.text
    await lin.wait_for_message(lambda m: "rated 2/5" in m.text)
    await ann.press_data(rate, message_id=ann.last.message_id)  # a double tap: nothing twice
    await ann.tap("💬 Add a comment")
    await ann.send_sticker()
    assert "type it in words" in ann.last.text
    await ann.send_text("He was late and forgot the eggs")
    assert "passed to the coordinators" in ann.last.text
    comment = await lin.wait_for_message(lambda m: "Comment:" in m.text)
    assert "forgot the eggs" in comment.text
    assert sum("rated 2/5" in m.text for m in lin.messages) == 2  # the rating, then the comment

    forged = RequestAction(action="rate", request_id=request_id, value=9).pack()
    await ann.press_data(forged, message_id=ann.last.message_id)
    assert ann.callback_answers[-1].text == STALE
    (row,) = await requests_in_db(linli)
    assert (row.rating, row.rating_comment) == (2, "He was late and forgot the eggs")


async def test_a_comment_of_4000_characters_reaches_the_coordinators_whole(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Nothing she writes is refused for its length: the notice shows its beginning, the
    coordinators get all of it after."""
    request_id = await _done_by_tao(linli)
    ann = telegram.user(ANN, first_name="Ann", language_code="en")
    lin = telegram.user(LIN, first_name="Lin", language_code="en")
    long_comment = " ".join(f"word{n:04d}" for n in range(450))[:4000]
    await ann.send_command("/myrequests")
    rate = RequestAction(action="rate", request_id=request_id, value=2).pack()
    await ann.press_data(rate, message_id=ann.last.message_id)
    await ann.tap("💬 Add a comment")
    await ann.send_text(long_comment)
    assert "passed to the coordinators" in ann.last.text
    notice = await lin.wait_for_message(lambda m: "Comment:" in m.text)
    assert len(notice.text) <= 4096 and "4000 characters in all, all kept" in notice.text
    first = await lin.wait_for_message(lambda m: "all that was written (1/2)" in m.text)
    second = await lin.wait_for_message(lambda m: "all that was written (2/2)" in m.text)
    assert "".join(m.text.split("\n", 1)[1] for m in (first, second)) == long_comment
    (row,) = await requests_in_db(linli)
    assert row.rating_comment == long_comment
