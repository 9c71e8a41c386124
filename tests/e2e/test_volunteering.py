"""Conversations of volunteers: registering and being approved, browsing and claiming tasks,
"on my way", "done", "I can't make it", my tasks and my hours, and presses that must change
nothing. After each test, no message showed a resident's address or phone to anyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import TaskAction, VolunteerDecision
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services.invites import create_invite
from bot.services.requests import cancel_request
from storage.models import AuditEvent, HelpRequest, RequestStatus, UserRole, VolunteerStatus
from storage.repositories import requests as request_queries
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_ADDRESS,
    RESIDENT_PHONE_SHOWN,
    VOLUNTEERS_CHAT,
    open_request,
    person,
    resident_and_coordinator,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_to_register, has, user_row
from tests.people import place_named

SKIP = {"en": "⏭ Skip", "zh-hans": "⏭ 跳过"}
CLAIM = "🙌 I'll do it"
PENDING = {
    "en": "A coordinator will look at your registration soon",
    "zh-hans": "社区工作人员会尽快审核您的登记",
}
APPROVED = {
    "en": "a coordinator has approved you",
    "zh-hans": "社区工作人员已经通过了您的志愿者登记",
}
STILL_CHECKING = {"en": "still checking your registration", "zh-hans": "还在审核您的登记"}
SHOPPING = {"en": "🛒 Shopping and errands", "zh-hans": "🛒 买菜跑腿"}
MEALS = {"en": "🍲 Meals", "zh-hans": "🍲 送餐做饭"}
DONE = {"en": "➡️ Done", "zh-hans": "➡️ 完成"}
CANTONESE = {"en": "Cantonese", "zh-hans": "粤语"}
AT_LEAST_ONE = {"en": "Please tap at least one first", "zh-hans": "请先至少选一项"}


async def register_volunteer(
    linli: RunningBot, telegram: FakeBotAPI, telegram_id: int, language: str
) -> ChatUser:
    """Registers "Tom Lee", who taps "Maple Court" (one of the coordinators' places), through
    the conversation, choosing shopping (after trying "Done" with nothing chosen, and toggling
    meals on and off) and Cantonese."""
    async with linli.app.session_factory() as session:
        await place_named(session, linli.clock, "Maple Court")
        await session.commit()
    tom = telegram.user(telegram_id, first_name="Tom", language_code=language)
    await agree_to_register(tom, "volunteer")
    await tom.send_text("Tom Lee")
    await tom.tap_reply(SKIP[language])
    await tom.tap("📍 Maple Court")
    question = tom.last.message_id
    await tom.tap(DONE[language])
    assert AT_LEAST_ONE[language] in tom.callback_answers[-1].text
    await tom.tap(MEALS[language])
    assert [f"✅ {MEALS[language]}"] in tom.message(question).buttons
    await tom.tap(f"✅ {MEALS[language]}")
    await tom.tap(SHOPPING[language])
    await tom.tap(DONE[language])
    assert SHOPPING[language] in tom.message(question).text  # what was chosen stays visible
    await tom.tap(CANTONESE[language])
    await tom.tap(DONE[language])
    return tom


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.postgresql
async def test_volunteer_registers_waits_and_is_approved_in_the_group(
    community: RunningBot, telegram: FakeBotAPI, language: str
) -> None:
    await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])

    tom = await register_volunteer(community, telegram, 2001, language)
    assert PENDING[language] in tom.last.text
    await tom.send_command("/tasks")
    assert STILL_CHECKING[language] in tom.last.text

    card = await coordinators.wait_for_message(has("New volunteer to check"))
    for detail in ("Tom Lee", "Maple Court", "Shopping and errands", "Cantonese"):
        assert detail in card.text
    assert "Meals" not in card.text

    # a volunteer (not a coordinator) in the group cannot decide
    await person(community, telegram, 503, UserRole.VOLUNTEER, name="Sly")
    coordinators.add_member(503)
    await coordinators.as_user(503).tap("✅ Approve volunteer", message_id=card.message_id)
    assert "Only coordinators" in coordinators.as_user(503).callback_answers[-1].text

    lin = coordinators.as_user(502)
    await lin.tap("✅ Approve volunteer", message_id=card.message_id)
    assert "✅ Approved by Lin" in coordinators.message(card.message_id).text
    assert coordinators.message(card.message_id).buttons == []

    told = await tom.wait_for_message(has(APPROVED[language]))
    assert told.text
    await tom.send_command("/tasks")
    assert STILL_CHECKING[language] not in tom.last.text

    # a stale "decline" press shows the decision already made, and changes nothing
    row = await user_row(community, 2001)
    assert row is not None
    decline = VolunteerDecision(volunteer_id=row.id, approve=False).pack()
    await lin.press_data(decline, message_id=card.message_id)
    assert "Approved by Lin" in lin.callback_answers[-1].text
    async with community.app.session_factory() as session:
        profile = await request_queries.volunteer_profile(session, row.id)
        assert profile is not None and profile.status is VolunteerStatus.APPROVED


async def test_volunteer_declined(community: RunningBot, telegram: FakeBotAPI) -> None:
    await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])
    tom = await register_volunteer(community, telegram, 2002, "en")
    card = await coordinators.wait_for_message(has("New volunteer to check"))
    await coordinators.as_user(502).tap("✖️ Decline", message_id=card.message_id)
    assert "✖️ Declined by Lin" in coordinators.message(card.message_id).text
    await tom.wait_for_message(has("could not approve your registration"))
    await tom.send_command("/tasks")
    assert "was not approved" in tom.last.text


async def test_a_coordinator_lists_the_volunteers_waiting_and_decides_there(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """The group's cards scroll away: /volunteers brings each waiting registration of the
    coordinator's own community back, with its buttons; East Lane's volunteer is not hers."""
    east = await second_community(community)
    lin = telegram.user(502, first_name="Lin")
    await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    await person(community, telegram, 2101, UserRole.VOLUNTEER, name="Ada Wu", approved=False)
    await person(community, telegram, 2102, UserRole.VOLUNTEER, name="Bo Li", approved=False)
    await person(community, telegram, 2103, UserRole.VOLUNTEER, name="Cy Approved")
    await person(
        community, telegram, 2104, UserRole.VOLUNTEER, name="Eve East", approved=False,
        community_id=east,
    )  # fmt: skip
    await person(community, telegram, 2105, UserRole.RESIDENT, name="Rae")

    await lin.send_command("/volunteers")
    await lin.wait_for_message(has("Bo Li"))
    intro, *cards = lin.messages[-3:]
    assert "Volunteers waiting for a decision: 2" in intro.text
    assert [("Ada Wu" in c.text, "Bo Li" in c.text) for c in cards] == [
        (True, False),
        (False, True),
    ]
    assert all(c.buttons == [["✅ Approve volunteer"], ["✖️ Decline"]] for c in cards)
    shown = "\n".join(m.text for m in lin.messages)
    assert "Eve East" not in shown and "Cy Approved" not in shown

    await lin.tap("✅ Approve volunteer", message_id=cards[0].message_id)
    assert "✅ Approved by Lin" in lin.message(cards[0].message_id).text
    await telegram.users[2101].wait_for_message(has("a coordinator has approved you"))
    await lin.send_command("/volunteers")
    assert "Volunteers waiting for a decision: 1" in (await lin.wait_for_message(has(": 1"))).text
    await lin.tap("✖️ Decline", message_id=lin.last.message_id)
    await lin.send_command("/volunteers")
    assert "No volunteer is waiting" in (await lin.wait_for_message(has("No volunteer"))).text

    rae = telegram.users[2105]
    await rae.send_command("/volunteers")
    assert "Only coordinators" in (await rae.wait_for_message(has("Only coordinators"))).text


async def test_volunteer_invited_by_a_coordinator_is_approved_at_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    lin = await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    async with community.app.session_factory() as session:
        issued = await create_invite(
            session, role=UserRole.VOLUNTEER, ttl=timedelta(days=3), clock=clock, created_by=lin
        )
        await session.commit()
    ada = telegram.user(2003, first_name="Ada", language_code="en")
    await ada.send_command("/start", issued.code)
    await ada.tap("✍️ I agree, with another name")
    await ada.send_text("Ada")
    await ada.tap_reply("⏭ Skip")
    await ada.tap("🌍 Anywhere nearby")
    await ada.tap("🛒 Shopping and errands")
    await ada.tap("➡️ Done")
    await ada.tap("English")
    await ada.tap("➡️ Done")
    assert "You are registered" in ada.last.text
    await ada.send_command("/tasks")
    assert "no open tasks" in ada.last.text
    row = await user_row(community, 2003)
    assert row is not None
    async with community.app.session_factory() as session:
        profile = await request_queries.volunteer_profile(session, row.id)
        assert profile is not None
        assert (profile.status, profile.decided_by_id) == (VolunteerStatus.APPROVED, lin.id)
        assert profile.languages == ["english"]
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators")
    assert not any("New volunteer" in m.text for m in coordinators.messages)


async def test_open_tasks_for_a_resident_and_a_pending_volunteer(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    await open_request(community, resident, coordinator)
    mei = telegram.users[501]
    await mei.send_command("/tasks")
    assert "Tasks are for volunteers" in mei.last.text
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Pat", approved=False)
    pat = telegram.users[601]
    await pat.send_text("🔎 Open tasks")
    assert "still checking your registration" in pat.last.text
    await pat.send_command("/mytasks")
    assert "still checking your registration" in pat.last.text


@pytest.mark.postgresql
async def test_claim_on_my_way_done_and_hours(community: RunningBot, telegram: FakeBotAPI) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    request = await open_request(community, resident, coordinator, post_to_group=True)
    volunteers_group = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[601, 602])
    post = await volunteers_group.wait_for_message(has("Request no."))
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, 602, UserRole.VOLUNTEER, name="Kai")
    tao, kai, mei = telegram.users[601], telegram.users[602], telegram.users[501]

    await kai.send_command("/tasks")
    kai_card = kai.last
    await tao.send_text("🔎 Open tasks")
    card = tao.last
    assert "Shopping and errands" in card.text and "Building 5" in card.text
    assert "Rice and eggs" not in card.text  # what she typed: only once he holds the task
    assert RESIDENT_ADDRESS not in card.text and RESIDENT_PHONE_SHOWN not in card.text

    await tao.tap(CLAIM, message_id=card.message_id)
    mine = tao.message(card.message_id)
    assert RESIDENT_ADDRESS in mine.text and RESIDENT_PHONE_SHOWN in mine.text
    assert ["🚶 On my way"] in mine.buttons
    told = await mei.wait_for_message(has("Tao, a volunteer, will help you"))
    assert "Wang" not in told.text

    # Kai was a moment too late, from his list and from the group post
    await kai.tap(CLAIM, message_id=kai_card.message_id)
    assert "Someone else has just taken this task" in kai.callback_answers[-1].text
    assert RESIDENT_ADDRESS not in kai.message(kai_card.message_id).text
    await volunteers_group.as_user(602).tap(CLAIM, message_id=post.message_id)
    assert "just taken" in volunteers_group.as_user(602).callback_answers[-1].text
    group_post = volunteers_group.message(post.message_id)
    assert "Taken by a volunteer" in group_post.text and group_post.buttons == []
    assert "Mei" not in group_post.text
    await kai.send_command("/tasks")
    assert "no open tasks" in kai.last.text

    # a double tap on claim does not claim twice
    await tao.press_data(TaskAction(action="claim", request_id=request.id).pack(), card.message_id)
    assert "already yours" in tao.callback_answers[-1].text

    await tao.tap("🚶 On my way", message_id=card.message_id)
    await mei.wait_for_message(has("Tao is on the way to you now"))
    await tao.press_data(TaskAction(action="start", request_id=request.id).pack(), card.message_id)
    assert "Already noted" in tao.callback_answers[-1].text

    await tao.send_command("/mytasks")
    assert RESIDENT_ADDRESS in tao.last.text and ["✅ Done"] in tao.last.buttons

    await tao.tap("✅ Done", message_id=card.message_id)
    assert "How long did it take" in tao.last.text
    await tao.tap("1 h")
    assert "1 h counted" in tao.last.text
    rating = await mei.wait_for_message(has("has finished request no."))
    assert any("5 · Excellent" in label for row in rating.buttons for label in row)
    assert sum("on the way to you" in m.text for m in mei.messages) == 1

    # the minutes cannot be given twice
    await tao.press_data(
        TaskAction(action="minutes", request_id=request.id, value=180).pack(), tao.last.message_id
    )
    assert "changed since this message" in tao.callback_answers[-1].text
    await tao.send_command("/hours")
    assert "This month: 1 h" in tao.last.text and "In total: 1 h" in tao.last.text
    async with community.app.session_factory() as session:
        done = await session.get(HelpRequest, request.id)
        assert done is not None and done.status is RequestStatus.DONE
        assert done.minutes_spent == 60


async def test_typed_minutes(community: RunningBot, telegram: FakeBotAPI) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    await open_request(community, resident, coordinator)
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.users[601]
    await tao.send_command("/tasks")
    await tao.tap(CLAIM)
    await tao.tap("✅ Done")
    await tao.send_text("quite a while")  # not a duration ("about an hour" is one)
    assert "from 1 to 1440" in tao.last.text
    await tao.send_text("5000")
    assert "from 1 to 1440" in tao.last.text
    await tao.send_text("45 min")
    assert "45 min counted" in tao.last.text
    await tao.send_command("/hours")
    assert "This month: 45 min" in tao.last.text


async def test_cannot_make_it_puts_the_task_back(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    request = await open_request(community, resident, coordinator)
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])
    volunteers_group = telegram.group(VOLUNTEERS_CHAT, "Volunteers")
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, 602, UserRole.VOLUNTEER, name="Kai")
    tao, kai, mei = telegram.users[601], telegram.users[602], telegram.users[501]
    await tao.send_command("/tasks")
    card = tao.last.message_id
    await tao.tap(CLAIM)
    await tao.tap("😔 I can't make it", message_id=card)
    await tao.tap("↩️ No, I will go")
    assert "stays yours" in tao.last.text
    await tao.tap("😔 I can't make it", message_id=card)
    await tao.tap("😔 Yes, give it back")
    assert "You gave back request no." in tao.last.text
    await coordinators.wait_for_message(has("Tao Wang cannot make it"))
    await mei.wait_for_message(has("we are finding another volunteer"))
    repost = await volunteers_group.wait_for_message(has("Request no."))
    assert RESIDENT_ADDRESS not in repost.text and repost.buttons == [[CLAIM]]
    # the old buttons of the task do nothing now
    await tao.press_data(TaskAction(action="done", request_id=request.id).pack(), card)
    assert "not yours" in tao.callback_answers[-1].text
    await kai.send_command("/tasks")
    assert "Shopping and errands" in kai.last.text
    await kai.tap(CLAIM)
    assert RESIDENT_ADDRESS in kai.last.text


async def test_forged_and_stale_presses_change_nothing(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    request = await open_request(community, resident, coordinator)
    other = await open_request(community, resident, coordinator, "Fix the tap")
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    await person(community, telegram, 602, UserRole.VOLUNTEER, name="Kai")
    await person(community, telegram, 603, UserRole.VOLUNTEER, name="Pat", approved=False)
    tao, kai, pat, mei = (telegram.users[n] for n in (601, 602, 603, 501))
    await tao.send_command("/tasks")
    await tao.tap(CLAIM, message_id=tao.messages[-2].message_id)

    await kai.send_command("/hours")
    anywhere = kai.last.message_id
    for action in ("start", "done", "minutes", "release", "release_yes"):
        data = TaskAction(action=action, request_id=request.id, value=30).pack()
        await kai.press_data(data, message_id=anywhere)
        assert "not yours" in kai.callback_answers[-1].text, action
    await pat.send_command("/hours")
    claim_other = TaskAction(action="claim", request_id=other.id).pack()
    await pat.press_data(claim_other, message_id=pat.last.message_id)
    assert "still checking" in pat.callback_answers[-1].text
    await mei.send_command("/help")
    await mei.press_data(claim_other, message_id=mei.last.message_id)
    assert "Tasks are for volunteers" in mei.callback_answers[-1].text
    await kai.press_data(TaskAction(action="claim", request_id=999_999).pack(), message_id=anywhere)
    assert "no longer open" in kai.callback_answers[-1].text

    # a cancelled task cannot be claimed from an old card
    await kai.send_command("/tasks")
    old_card = kai.last.message_id
    async with community.app.session_factory() as session:
        await cancel_request(session, resident, other.id, clock=clock)
        await session.commit()
    await kai.tap(CLAIM, message_id=old_card)
    assert "no longer open" in kai.callback_answers[-1].text

    tao_row = await user_row(community, 601)
    assert tao_row is not None
    async with community.app.session_factory() as session:
        held = await session.get(HelpRequest, request.id)
        assert held is not None
        assert held.status is RequestStatus.CLAIMED and held.volunteer_id == tao_row.id
        reveals = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "request.reveal")
        )
        assert reveals == 1


@pytest.mark.postgresql
async def test_too_many_claims(community: RunningBot, telegram: FakeBotAPI) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    for n in range(4):
        await open_request(community, resident, coordinator, f"Errand {n}")
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.users[601]
    await tao.send_command("/tasks")
    cards = [m.message_id for m in tao.messages if "Request no." in m.text]
    assert len(cards) == 4
    for message_id in cards[:3]:
        await tao.tap(CLAIM, message_id=message_id)
    await tao.tap(CLAIM, message_id=cards[3])
    assert "You already hold 3 tasks" in tao.callback_answers[-1].text
    await tao.send_command("/mytasks")
    assert "Your tasks: 3" in tao.messages[-4].text
