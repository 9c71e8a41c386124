"""Conversations on a deployment of two communities, the first and East Lane: a request goes
to its own community's coordinators and volunteers only; a volunteer sees and takes only the
tasks of the communities they serve, and can ask (/serve) to serve one more; a coordinator's
queue (/waiting) and buttons reach only their communities' requests, a street's coordinator
those of every community of the street."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.callbacks import ReviewAction, ServeDecision, TaskAction, VolunteerDecision
from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.requests import RequestDraft, submit_request
from storage.models import (
    Community,
    CommunityLevel,
    HelpRequest,
    RequestCategory,
    RequestStatus,
    User,
    UserRole,
    VolunteerProfile,
    VolunteerStatus,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    EAST_VOLUNTEERS_CHAT,
    VOLUNTEERS_CHAT,
    open_request,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot

STALE = "This button is no longer active. Please use the latest message."
MEI, LIN, TAO = 7001, 7002, 7003  # the first community: a resident, a coordinator, a volunteer
ROSE, EVE, ELI = 7101, 7102, 7103  # East Lane: a resident, a coordinator, a volunteer
SUE = 7201  # the street's coordinator


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def two_communities(linli: RunningBot, telegram: FakeBotAPI) -> tuple[int, dict[int, User]]:
    """East Lane beside the first community, each with a resident, a coordinator and a
    volunteer, and its two groups."""
    east = await second_community(linli)
    people = {
        MEI: await person(linli, telegram, MEI, UserRole.RESIDENT, name="Mei",
                          phone="13800138000", address="Flat 3B, Lane 12"),
        LIN: await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin"),
        TAO: await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao"),
        ROSE: await person(linli, telegram, ROSE, UserRole.RESIDENT, name="Rose",
                           phone="13900139000", address="Room 8, East Court",
                           area="East Court", community_id=east),
        EVE: await person(linli, telegram, EVE, UserRole.COORDINATOR, name="Eve",
                          area="East Court", community_id=east),
        ELI: await person(linli, telegram, ELI, UserRole.VOLUNTEER, name="Eli",
                          area="East Court", community_id=east),
    }  # fmt: skip
    telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[TAO])
    telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[EVE])
    telegram.group(EAST_VOLUNTEERS_CHAT, "East volunteers", members=[ELI])
    return east, people


async def pending_request(linli: RunningBot, resident: User, description: str) -> HelpRequest:
    async with linli.app.session_factory() as session:
        request = await submit_request(
            session,
            resident,
            RequestDraft(category=RequestCategory.SHOPPING, description=description),
            clock=linli.clock,
        )
        await session.commit()
        return request


async def request_row(linli: RunningBot, request_id: int) -> HelpRequest:
    async with linli.app.session_factory() as session:
        row = await session.get(HelpRequest, request_id)
        assert row is not None
        return row


async def only_request(linli: RunningBot, community_id: int | None = None) -> HelpRequest:
    """The one request there is (of the community, if given)."""
    query = select(HelpRequest)
    if community_id is not None:
        query = query.where(HelpRequest.community_id == community_id)
    async with linli.app.session_factory() as session:
        return (await session.scalars(query)).one()


def chat(telegram: FakeBotAPI, chat_id: int) -> GroupChat | ChatUser:
    return telegram.groups[chat_id] if chat_id < 0 else telegram.users[chat_id]


def texts(telegram: FakeBotAPI, chat_id: int) -> list[str]:
    return [message.text for message in chat(telegram, chat_id).messages]


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_request_of_east_goes_to_east_s_groups_only(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await two_communities(linli, telegram)
    rose = telegram.users[ROSE]
    await rose.send_command("/request")
    await rose.tap("🛒 Shopping and errands")
    await rose.send_text("Green tea and oranges")
    await rose.tap("⚡ As soon as possible")
    await rose.tap("✅ Send")

    east_coordinators = chat(telegram, EAST_COORDINATORS_CHAT)
    card = await east_coordinators.wait_for_message(lambda m: "Green tea" in m.text)
    assert "Room 8, East Court" in card.text  # the full card, for East's coordinators
    number = f"Request no. {(await only_request(linli)).id}"
    assert number in card.text
    await (
        telegram.groups[EAST_COORDINATORS_CHAT]
        .as_user(EVE)
        .tap("✅ Approve and publish", message_id=card.message_id)
    )
    post = await chat(telegram, EAST_VOLUNTEERS_CHAT).wait_for_message(lambda m: number in m.text)
    assert post.buttons == [["🙌 I'll do it"]] and "Room 8" not in post.text

    await linli.outbox_drained()
    for chat_id in (COORDINATORS_CHAT, VOLUNTEERS_CHAT, LIN, TAO):
        told = texts(telegram, chat_id)
        assert not any("Green tea" in text or number in text for text in told), chat_id


async def test_a_volunteer_sees_and_takes_only_the_tasks_of_their_community(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    _, people = await two_communities(linli, telegram)
    ours = await open_request(linli, people[MEI], people[LIN], "Rice from the market")
    theirs = await open_request(linli, people[ROSE], people[EVE], "Green tea and oranges")
    tao, eli = telegram.users[TAO], telegram.users[ELI]

    ours_number, theirs_number = f"Request no. {ours.id}", f"Request no. {theirs.id}"

    await tao.send_command("/tasks")
    listed = await tao.wait_for_message(lambda m: ours_number in m.text)
    assert "🔎 Open tasks: 1" in texts(telegram, TAO)
    assert not any(theirs_number in text for text in texts(telegram, TAO))
    await eli.send_command("/tasks")
    await eli.wait_for_message(lambda m: theirs_number in m.text)
    assert "🔎 Open tasks: 1" in texts(telegram, ELI)
    assert not any(ours_number in text for text in texts(telegram, ELI))

    # Tao forges a claim button for East's task: refused kindly, and it stays open
    forged = TaskAction(action="claim", request_id=theirs.id).pack()
    await tao.press_data(forged, message_id=listed.message_id)
    assert tao.callback_answers[-1].text == STALE
    row = await request_row(linli, theirs.id)
    assert (row.status, row.volunteer_id) == (RequestStatus.OPEN, None)
    await tao.press_data(
        TaskAction(action="view", request_id=theirs.id).pack(), message_id=listed.message_id
    )
    assert tao.callback_answers[-1].text == STALE
    await tao.tap("🙌 I'll do it", message_id=listed.message_id)
    assert (await request_row(linli, ours.id)).volunteer_id == people[TAO].id
    await linli.outbox_drained()
    assert not any(theirs_number in text for text in texts(telegram, TAO))


async def test_a_volunteer_asks_to_serve_east_too_and_then_takes_its_tasks(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    east, people = await two_communities(linli, telegram)
    theirs = await open_request(linli, people[ROSE], people[EVE], "Green tea and oranges")
    tao = telegram.users[TAO]

    await tao.send_command("/serve")
    question = await tao.wait_for_message(lambda m: "Which other community" in m.text)
    assert question.buttons == [["🏘 East Lane"]]
    await tao.tap("🏘 East Lane")
    assert "I asked the coordinators of East Lane" in tao.last.text
    east_group = telegram.groups[EAST_COORDINATORS_CHAT]
    card = await east_group.wait_for_message(lambda m: "would like to help East Lane" in m.text)
    assert "Tao" in card.text and card.buttons == [["✅ Yes, welcome"], ["✖️ Decline"]]

    # Lin, the first community's coordinator, cannot answer for East with a forged button
    lin = telegram.users[LIN]
    await lin.send_command("/waiting")
    waiting = await lin.wait_for_message()
    forged = ServeDecision(volunteer_id=people[TAO].id, community_id=east, approve=True).pack()
    await lin.press_data(forged, message_id=waiting.message_id)
    assert lin.callback_answers[-1].text == STALE
    await tao.send_command("/tasks")
    await tao.wait_for_message(lambda m: "no open tasks" in m.text)

    await east_group.as_user(EVE).tap("✅ Yes, welcome", message_id=card.message_id)
    assert "Approved by Eve" in east_group.message(card.message_id).text
    await tao.wait_for_message(lambda m: "said yes" in m.text and "East Lane" in m.text)
    await linli.outbox_drained()
    assert not any("would like to help" in text for text in texts(telegram, COORDINATORS_CHAT))

    await tao.send_command("/tasks")
    task = await tao.wait_for_message(lambda m: f"Request no. {theirs.id}" in m.text)
    await tao.tap("🙌 I'll do it", message_id=task.message_id)
    assert "Room 8, East Court" in tao.message(task.message_id).text
    assert (await request_row(linli, theirs.id)).volunteer_id == people[TAO].id

    await tao.send_command("/serve")
    assert "You already help every community here" in (await tao.wait_for_message()).text


async def test_with_one_community_serve_says_there_is_no_other(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.users[TAO]
    await tao.send_command("/serve")
    said = await tao.wait_for_message()
    assert "There is no other community here to help yet" in said.text and not said.buttons


async def test_a_coordinator_of_the_first_community_cannot_approve_east_s_request(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    _, people = await two_communities(linli, telegram)
    theirs = await pending_request(linli, people[ROSE], "Green tea and oranges")
    lin = telegram.users[LIN]
    await lin.send_command("/waiting")
    listed = await lin.wait_for_message()
    assert "Green tea" not in listed.text and "No request is waiting" in listed.text

    for action in ("approve", "show", "reject", "assign"):
        forged = ReviewAction(action=action, request_id=theirs.id, version=theirs.version)
        await lin.press_data(forged.pack(), message_id=listed.message_id)
        assert lin.callback_answers[-1].text == STALE, action
    forged_pick = ReviewAction(
        action="pick", request_id=theirs.id, version=theirs.version, value=str(people[TAO].id)
    )
    await lin.press_data(forged_pick.pack(), message_id=listed.message_id)
    assert lin.callback_answers[-1].text == STALE
    row = await request_row(linli, theirs.id)
    assert (row.status, row.version, row.volunteer_id) == (RequestStatus.PENDING, 1, None)
    await linli.outbox_drained()
    assert not any("Green tea" in text for text in texts(telegram, LIN))
    assert not any("checked" in text for text in texts(telegram, ROSE))


async def test_each_coordinator_s_queue_shows_only_their_community_s_requests(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    _, people = await two_communities(linli, telegram)
    ours = await pending_request(linli, people[MEI], "Rice from the market")
    theirs = await pending_request(linli, people[ROSE], "Green tea and oranges")
    lin, eve = telegram.users[LIN], telegram.users[EVE]

    await lin.send_command("/waiting")
    listed = await lin.wait_for_message(lambda m: "Requests waiting: 1" in m.text)
    assert [[f"📄 No. {ours.id} · 🛒 Shopping and errands · to check"]] == listed.buttons
    await lin.tap(f"No. {ours.id}", message_id=listed.message_id)
    card = await lin.wait_for_message(lambda m: "Rice from the market" in m.text)
    assert "Flat 3B, Lane 12" in card.text and ["✅ Approve and publish"] in card.buttons
    await lin.tap("✅ Approve and publish", message_id=card.message_id)
    assert (await request_row(linli, ours.id)).status is RequestStatus.OPEN

    await eve.send_command("/waiting")
    listed = await eve.wait_for_message(lambda m: "Requests waiting: 1" in m.text)
    assert [[f"📄 No. {theirs.id} · 🛒 Shopping and errands · to check"]] == listed.buttons
    assert "Rice" not in listed.text and str(ours.id) not in str(listed.buttons)

    # the request approved is still waiting, now for a volunteer; only Lin sees it
    await lin.send_command("/waiting")
    again = await lin.wait_for_message(lambda m: "Requests waiting" in m.text)
    assert [[f"📄 No. {ours.id} · 🛒 Shopping and errands · waiting for a volunteer"]] == (
        again.buttons
    )


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_street_s_coordinator_looks_after_both_communities(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    east, people = await two_communities(linli, telegram)
    async with linli.app.session_factory() as session:
        street = await add_community(
            session,
            name="River Street",
            slug="river",
            level=CommunityLevel.STREET,
            clock=linli.clock,
        )
        await session.execute(
            update(Community)
            .where(Community.id.in_((FIRST_COMMUNITY_ID, east)))
            .values(parent_id=street.id)
        )
        await session.commit()
    await person(linli, telegram, SUE, UserRole.COORDINATOR, name="Sue", community_id=street.id)
    ours = await pending_request(linli, people[MEI], "Rice from the market")
    theirs = await pending_request(linli, people[ROSE], "Green tea and oranges")
    sue = telegram.users[SUE]

    await sue.send_command("/waiting")
    listed = await sue.wait_for_message(lambda m: "Requests waiting: 2" in m.text)
    labels = [row[0] for row in listed.buttons]
    assert any(f"No. {ours.id} ·" in label for label in labels)
    assert any(f"No. {theirs.id} ·" in label and "East Lane" in label for label in labels)
    await sue.tap(f"No. {theirs.id} ·", message_id=listed.message_id)
    card = await sue.wait_for_message(lambda m: "Green tea" in m.text)
    await sue.tap("✅ Approve and publish", message_id=card.message_id)
    assert (await request_row(linli, theirs.id)).status is RequestStatus.OPEN
    await chat(telegram, EAST_VOLUNTEERS_CHAT).wait_for_message(
        lambda m: f"Request no. {theirs.id}" in m.text
    )

    # the first community's coordinator still sees only her own
    await telegram.users[LIN].send_command("/waiting")
    lin_list = await telegram.users[LIN].wait_for_message(lambda m: "waiting" in m.text)
    assert [[f"📄 No. {ours.id} · 🛒 Shopping and errands · to check"]] == lin_list.buttons


async def test_the_assign_picker_offers_only_volunteers_who_serve_the_community(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    _, people = await two_communities(linli, telegram)
    theirs = await pending_request(linli, people[ROSE], "Green tea and oranges")
    eve = telegram.users[EVE]
    await eve.send_command("/waiting")
    await eve.tap(f"No. {theirs.id}", message_id=(await eve.wait_for_message()).message_id)
    card = await eve.wait_for_message(lambda m: "Green tea" in m.text)
    await eve.tap("👤 Assign to a volunteer", message_id=card.message_id)
    choices = [row[0] for row in eve.message(card.message_id).buttons]
    assert any("Eli" in label for label in choices)
    assert not any("Tao" in label for label in choices)

    # a forged pick of Tao, who serves only the first community: nothing changes
    forged = ReviewAction(
        action="pick", request_id=theirs.id, version=theirs.version, value=str(people[TAO].id)
    )
    await eve.press_data(forged.pack(), message_id=card.message_id)
    assert eve.callback_answers[-1].text == "This volunteer cannot take tasks now."
    row = await request_row(linli, theirs.id)
    assert (row.status, row.volunteer_id) == (RequestStatus.PENDING, None)
    await eve.tap("👤 Eli", message_id=card.message_id)
    assert (await request_row(linli, theirs.id)).volunteer_id == people[ELI].id
    await telegram.users[ELI].wait_for_message(lambda m: "Room 8, East Court" in m.text)
    await linli.outbox_drained()
    assert not any(f"no. {theirs.id}" in text.lower() for text in texts(telegram, TAO))


async def test_only_east_s_coordinators_approve_a_volunteer_of_east(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    east, _ = await two_communities(linli, telegram)
    ivy = await person(
        linli, telegram, 7104, UserRole.VOLUNTEER, name="Ivy", area="East Court",
        community_id=east, approved=False,
    )  # fmt: skip
    decision = VolunteerDecision(volunteer_id=ivy.id, approve=True).pack()
    lin, eve = telegram.users[LIN], telegram.users[EVE]
    await lin.send_command("/waiting")
    await lin.press_data(decision, message_id=(await lin.wait_for_message()).message_id)
    assert lin.callback_answers[-1].text == STALE
    async with linli.app.session_factory() as session:
        profile = await session.get(VolunteerProfile, ivy.id)
        assert profile is not None and profile.status is VolunteerStatus.PENDING
    await linli.outbox_drained()
    assert not any("approved" in text.lower() for text in texts(telegram, 7104))

    await eve.send_command("/waiting")
    await eve.press_data(decision, message_id=(await eve.wait_for_message()).message_id)
    assert "Approved by Eve" in (eve.callback_answers[-1].text or "")
    await telegram.users[7104].wait_for_message(lambda m: "approved" in m.text.lower())


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_duplicates_are_merged_only_within_one_community(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Rose asked once while she lived in the first community, then moved to East Lane: her
    new request cannot be merged into the first community's."""
    east, people = await two_communities(linli, telegram)
    earlier = await pending_request(linli, people[ROSE], "Rice from the market")
    async with linli.app.session_factory() as session:  # asked before she moved
        await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id == earlier.id)
            .values(community_id=FIRST_COMMUNITY_ID)
        )
        await session.commit()
    rose = telegram.users[ROSE]
    await rose.send_command("/request")
    await rose.tap("🛒 Shopping and errands")
    await rose.send_text("Green tea and oranges")
    await rose.tap("⚡ As soon as possible")
    await rose.tap("✅ Send")
    group = telegram.groups[EAST_COORDINATORS_CHAT]
    card = await group.wait_for_message(lambda m: "Green tea" in m.text)
    eve = group.as_user(EVE)
    await eve.tap("🔗 Duplicate of…", message_id=card.message_id)
    await eve.answer_prompt(str(earlier.id))
    assert f"There is no ongoing request no. {earlier.id}" in group.last.text
    later = await only_request(linli, east)
    assert later.status is RequestStatus.PENDING and later.duplicate_of_id is None
