"""Conversations: coordinators check new requests in their group: approve and publish, change
category and urgency, ask the resident, reject, merge a duplicate, assign, reassign, unassign.
Nobody else can press their buttons, and an old card is answered with the current one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.callbacks import ReviewAction
from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from storage.models import AuditEvent, HelpRequest, RequestCategory, RequestStatus, UserRole
from storage.repositories import requests as request_queries
from tests.e2e.community import running_community
from tests.e2e.harness import RunningBot
from tests.e2e.steps import english_words
from tests.people import make_person

COORDINATORS, VOLUNTEERS = -100500, -100600
ANN, ZOE, LIN, KAI, TAO, SAM = 6001, 6002, 6901, 6902, 6903, 6904


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    """The bot with a coordinators' group and a volunteers' group; the same leak check."""
    async with running_community(
        telegram, database_url, clock, coordinators=COORDINATORS, volunteers=VOLUNTEERS
    ) as running:
        yield running


async def setting(linli: RunningBot, telegram: FakeBotAPI) -> tuple[GroupChat, GroupChat]:
    """Ann (resident), coordinator Lin and group member Kai (not a coordinator) in the
    coordinators' group, volunteers Tao and Sam in the volunteers' group."""
    async with linli.app.session_factory() as s:
        await make_person(s, linli.clock, ANN, UserRole.RESIDENT, name="Ann Lee",
                          phone="13800138000", address="Flat 3B, Building 5")  # fmt: skip
        await make_person(s, linli.clock, ZOE, UserRole.RESIDENT, name="Zoe", locale="zh_Hans",
                          address="2号楼101")  # fmt: skip
        await make_person(s, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await make_person(s, linli.clock, KAI, UserRole.RESIDENT, name="Kai")
        await make_person(s, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao Wang")
        await make_person(s, linli.clock, SAM, UserRole.VOLUNTEER, name="Sam Wu", area="Block 2")
        await s.commit()
    people = ((ANN, "Ann"), (ZOE, "Zoe"), (LIN, "Lin"), (KAI, "Kai"), (TAO, "Tao"), (SAM, "Sam"))
    for person_id, name in people:
        telegram.user(person_id, first_name=name, language_code="en")
    coordinators = telegram.group(COORDINATORS, "Coordinators", members=[LIN, KAI])
    volunteers = telegram.group(VOLUNTEERS, "Volunteers", members=[TAO, SAM])
    return coordinators, volunteers


# What a resident taps to ask for shopping as soon as possible at her saved address, in the
# language the bot speaks with her.
ASKING = {
    ANN: ("🛒 Shopping and errands", "⚡ As soon as possible", "✅ Send"),
    ZOE: ("🛒 买菜跑腿", "⚡ 越快越好", "✅ 发送"),
}
SAVED_ADDRESS = {ANN: "Flat 3B, Building 5", ZOE: "2号楼101"}
NUMBER_GIVEN = re.compile(r"(?:Request no\.|求助编号) (\d+)")


async def new_request(linli: RunningBot, resident_id: int, description: str) -> int:
    """The resident asks in her chat (the request then goes to the coordinators' group);
    returns the number the bot gave her."""
    resident = linli.api.users[resident_id]
    shopping, as_soon_as_possible, send = ASKING[resident_id]
    await resident.send_command("/request")
    await resident.tap(shopping)
    await resident.send_text(description)
    await resident.tap(as_soon_as_possible)
    assert "🏠 " + SAVED_ADDRESS[resident_id] in resident.last.text  # her saved address
    await resident.tap(send)
    given = NUMBER_GIVEN.search(resident.last.text)
    assert given is not None, resident.last.text
    request = await request_row(linli, int(given.group(1)))
    assert (request.description, request.status) == (description, RequestStatus.PENDING)
    return request.id


async def request_row(linli: RunningBot, request_id: int) -> HelpRequest:
    async with linli.app.session_factory() as s:
        row = await s.get(HelpRequest, request_id)
        assert row is not None
        return row


@pytest.mark.postgresql
async def test_approve_category_urgency_and_who_may_press(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators, volunteers = await setting(linli, telegram)
    ann = telegram.users[ANN]
    request_id = await new_request(linli, ANN, "Rice and eggs")
    card = await coordinators.wait_for_message(lambda m: "New request" in m.text)
    assert "Flat 3B" in card.text

    kai = coordinators.as_user(KAI)
    await kai.tap("✅ Approve and publish", message_id=card.message_id)
    assert kai.callback_answers[-1].text == "Only coordinators can do this."
    assert (await request_row(linli, request_id)).status is RequestStatus.PENDING

    lin = coordinators.as_user(LIN)
    await lin.tap("🏷 Change category", message_id=card.message_id)
    await lin.tap("🔧 Home repair", message_id=card.message_id)
    assert "Category changed by Lin" in coordinators.message(card.message_id).text
    await lin.tap("🚨 Mark urgent", message_id=card.message_id)
    assert "Marked urgent by Lin" in coordinators.message(card.message_id).text
    await lin.tap("✅ Approve and publish", message_id=card.message_id)
    after = coordinators.message(card.message_id)
    assert "Approved by Lin" in after.text and "Looking for a volunteer" in after.text
    assert ["👤 Assign to a volunteer"] in after.buttons

    # the same (now stale) button again: nothing twice, the current card instead
    stale_data = ReviewAction(action="approve", request_id=request_id, version=3).pack()
    await lin.press_data(stale_data, message_id=card.message_id)
    assert "changed since" in (lin.callback_answers[-1].text or "")

    told = await ann.wait_for_message(lambda m: "was checked" in m.text)
    assert "finding a volunteer" in told.text
    posted = await volunteers.wait_for_message(lambda m: "Home repair" in m.text)
    assert "Flat 3B" not in posted.text and "13800138000" not in posted.text
    assert posted.buttons == [["🙌 I'll do it"]]
    row = await request_row(linli, request_id)
    assert (row.status, row.urgent, row.category) == (
        RequestStatus.OPEN,
        True,
        RequestCategory.HOME_REPAIR,
    )
    async with linli.app.session_factory() as s:
        events = await request_queries.events_of(s, request_id)
        assert [e.action for e in events].count("approved") == 1


async def test_in_a_group_of_its_own_language_the_prompts_are_in_it_and_a_pop_up_in_hers(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Lin reads English and chose Traditional Chinese for her colleagues in the group. The card,
    the prompt her press brings and the bot's answer to what she types are all posted in the
    group, so all in Traditional; only the pop-up of a stale press is hers, in English."""
    coordinators, _ = await setting(linli, telegram)
    lin = coordinators.as_user(LIN)
    await lin.send_command("/language")
    await lin.tap("繁體中文")
    first = await new_request(linli, ANN, "Help with a form")
    card = await coordinators.wait_for_message(lambda m: "Help with a form" in m.text)

    await lin.tap("❓ 向居民提問", message_id=card.message_id)
    prompt = coordinators.last
    assert "請輸入您想問編號" in prompt.text and prompt.placeholder == "要問居民的問題"
    assert english_words(prompt.text) == {"Lin"}, prompt.text  # her name, a mention
    await lin.answer_prompt("Which form is it, the pension one?")
    assert "已發給居民" in coordinators.last.text
    stale = ReviewAction(action="approve", request_id=first, version=99).pack()
    await lin.press_data(stale, message_id=card.message_id)
    assert "changed since" in (lin.callback_answers[-1].text or "")


async def test_ask_the_resident_and_reject_with_reasons(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    coordinators, _ = await setting(linli, telegram)
    ann, zoe = telegram.users[ANN], telegram.users[ZOE]
    first = await new_request(linli, ANN, "Help with a form")
    card = await coordinators.wait_for_message(lambda m: f"Request no. {first}" in m.text)
    lin = coordinators.as_user(LIN)

    await lin.tap("❓ Ask the resident", message_id=card.message_id)
    prompt = coordinators.last
    assert "type your question" in prompt.text
    # the bot is a plain member with privacy mode on: the prompt is a force_reply for Lin
    assert lin.open_prompt == prompt and coordinators.as_user(KAI).open_prompt is None
    chatter = await lin.send_text("One moment, checking her file")  # not a reply: unseen
    assert "update_id" not in chatter
    assert [m.text for m in coordinators.unseen_by_bot] == ["One moment, checking her file"]
    await coordinators.as_user(KAI).send_text("Is it the form?", reply_to=prompt.message_id)
    assert coordinators.last == prompt  # Kai's reply is not taken for Lin's question
    await lin.answer_prompt("Which form is it, the pension one?")
    assert "Sent to the resident" in coordinators.last.text
    question = await ann.wait_for_message(lambda m: "A coordinator asks" in m.text)
    assert "pension" in question.text and "checking her file" not in question.text
    assert "Is it the form" not in question.text
    await ann.tap("✍️ Answer")
    await ann.send_text("Yes, the pension renewal")
    assert "passed your answer on" in ann.last.text
    await coordinators.wait_for_message(lambda m: "pension renewal" in m.text)

    await lin.tap("✖️ Reject", message_id=card.message_id)
    await lin.tap("The community office can help", message_id=card.message_id)
    assert "Rejected by Lin" in coordinators.message(card.message_id).text
    sorry = await ann.wait_for_message(lambda m: "cannot take on" in m.text)
    assert "community office" in sorry.text
    assert (await request_row(linli, first)).status is RequestStatus.REJECTED

    second = await new_request(linli, ZOE, "帮我搬柜子")
    card2 = await coordinators.wait_for_message(lambda m: f"Request no. {second}" in m.text)
    await lin.tap("✖️ Reject", message_id=card2.message_id)
    await lin.tap("✍️ Other: type it", message_id=card2.message_id)
    await lin.send_sticker(reply_to=lin.open_prompt.message_id)  # type: ignore[union-attr]
    assert "type it in words" in coordinators.last.text
    await lin.answer_prompt("下周有搬家公司免费服务")  # the new prompt replies to the sticker
    told = await zoe.wait_for_message(lambda m: "很抱歉" in m.text)
    assert "下周有搬家公司免费服务" in told.text and f"第 {second} 号求助" in told.text
    assert "Rejected by Lin" in coordinators.message(card2.message_id).text


@pytest.mark.postgresql
async def test_duplicate_assign_reassign_unassign(linli: RunningBot, telegram: FakeBotAPI) -> None:
    coordinators, volunteers = await setting(linli, telegram)
    ann, tao, sam = (telegram.users[i] for i in (ANN, TAO, SAM))
    first = await new_request(linli, ANN, "Shopping on Friday")
    second = await new_request(linli, ANN, "Shopping on Friday again")
    zoes = await new_request(linli, ZOE, "买药")
    await coordinators.wait_for_message(lambda m: f"Request no. {zoes}:" in m.text)
    card2 = next(m for m in coordinators.messages if f"Request no. {second}:" in m.text)
    lin = coordinators.as_user(LIN)

    await lin.tap("🔗 Duplicate of…", message_id=card2.message_id)
    await lin.answer_prompt("the first one")
    assert "just the number" in coordinators.last.text
    await lin.answer_prompt(str(zoes))  # another resident's request: refused
    assert f"no ongoing request no. {zoes}" in coordinators.last.text
    await lin.answer_prompt(str(first))
    assert f"same as request no. {first}" in coordinators.last.text
    await ann.wait_for_message(lambda m: "we joined them" in m.text)
    assert (await request_row(linli, second)).status is RequestStatus.DUPLICATE

    card1 = next(m for m in coordinators.messages if f"Request no. {first}:" in m.text)
    await lin.tap("👤 Assign to a volunteer", message_id=card1.message_id)
    await lin.tap("Tao Wang", message_id=card1.message_id)
    assert "Assigned to Tao Wang by Lin" in coordinators.message(card1.message_id).text
    task = await tao.wait_for_message(lambda m: "gave you this task" in m.text)
    assert "Flat 3B" in task.text and ["🚶 On my way"] in task.buttons
    coming = await ann.wait_for_message(lambda m: "will help you" in m.text)
    assert "Tao " in coming.text and "Wang" not in coming.text

    await lin.tap("🔁 Reassign", message_id=card1.message_id)
    await lin.tap("Sam Wu", message_id=card1.message_id)
    await sam.wait_for_message(lambda m: "gave you this task" in m.text)
    released = await tao.wait_for_message(lambda m: "off your list" in m.text)
    assert "Flat 3B" not in released.text
    assert (await request_row(linli, first)).volunteer_id is not None

    await lin.tap("↩️ Back to the pool", message_id=card1.message_id)
    await sam.wait_for_message(lambda m: "off your list" in m.text)
    await ann.wait_for_message(lambda m: "finding someone else" in m.text)
    await volunteers.wait_for_message(lambda m: "Request no." in m.text)
    row = await request_row(linli, first)
    assert (row.status, row.volunteer_id) == (RequestStatus.OPEN, None)
    async with linli.app.session_factory() as s:
        reveals = await s.scalars(select(AuditEvent).where(AuditEvent.action == "request.reveal"))
        assert len(list(reveals)) == 2  # Tao, then Sam: each reveal written down


async def test_an_admin_bot_takes_only_the_reply_to_its_prompt(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """As an admin the bot sees all the group's talk; only Lin's reply is the reason."""
    coordinators, _ = await setting(linli, telegram)
    await coordinators.promote_bot()
    ann = telegram.users[ANN]
    request_id = await new_request(linli, ANN, "Paint my fence")
    card = await coordinators.wait_for_message(lambda m: f"Request no. {request_id}" in m.text)
    lin = coordinators.as_user(LIN)

    await lin.tap("✖️ Reject", message_id=card.message_id)
    await lin.tap("✍️ Other: type it", message_id=card.message_id)
    prompt = coordinators.last
    chatter = await lin.send_text("Kai, do we know anyone with a ladder?")
    assert "update_id" in chatter and coordinators.last == prompt  # seen, and left alone
    await lin.answer_prompt("Our volunteers cannot climb ladders, sorry")

    told = await ann.wait_for_message(lambda m: "cannot take on" in m.text)
    assert "cannot climb ladders" in told.text and "anyone with a ladder" not in told.text
    assert (await request_row(linli, request_id)).status is RequestStatus.REJECTED


async def test_a_double_tap_on_a_card_edits_it_once(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Both presses are answered; the card changes once, and Telegram refuses nothing."""
    coordinators, _ = await setting(linli, telegram)
    request_id = await new_request(linli, ANN, "Rice and eggs")
    card = await coordinators.wait_for_message(lambda m: f"Request no. {request_id}" in m.text)
    lin = coordinators.as_user(LIN)
    data = card.button("🏷 Change category")["callback_data"]
    before = len(telegram.calls)  # (asking, Ann's own buttons were edited)

    await lin.press_data(data, card.message_id, wait=False)
    await lin.press_data(data, card.message_id)  # the second tap, before the card changed

    await telegram.wait_until(lambda: len(lin.callback_answers) == 2)
    assert "🔧 Home repair" in coordinators.message(card.message_id).labels
    edits = [c for c in telegram.calls[before:] if c.method.startswith("editMessage")]
    assert len(edits) == 1 and telegram.refused_calls() == []
