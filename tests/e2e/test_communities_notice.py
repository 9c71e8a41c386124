"""Two communities on one bot: each one's notices, places, calls to make, phone and emergency
numbers stay its own. A street's coordinator, above both, sends a notice to all of them or to
one. Every assertion is about what reached (or did not reach) people's chats."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.callbacks import CallBackAction, PlaceAction
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from storage.models import CallBack, Community, CommunityLevel, Place, UserRole
from storage.repositories import communities as served_queries
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_as_myself

MAIN_PHONE = "010 6512 3456"
MAIN_PHONE_SHOWN = "+86 10 6512 3456"
EAST_PHONE = "021 5555 6666"
EAST_PHONE_SHOWN = "+86 21 5555 6666"
EAST_NUMBERS = "999=ambulance,998=fire"
MAIN_LIN, MAIN_ANN, EAST_EVA, EAST_BO, STREET_SAM = 801, 802, 811, 812, 821


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(
        telegram, database_url, clock, community_phone=MAIN_PHONE
    ) as running:
        yield running


async def two_communities(linli: RunningBot, telegram: FakeBotAPI) -> dict[str, ChatUser]:
    """The first community (Lin coordinates, Ann lives there) and East Lane (Eva coordinates,
    Bo lives there), each with its own phone and numbers."""
    east = await second_community(linli, phone=EAST_PHONE, emergency_numbers=EAST_NUMBERS)
    people = (
        (MAIN_LIN, UserRole.COORDINATOR, "Lin", FIRST_COMMUNITY_ID),
        (MAIN_ANN, UserRole.RESIDENT, "Ann", FIRST_COMMUNITY_ID),
        (EAST_EVA, UserRole.COORDINATOR, "Eva", east),
        (EAST_BO, UserRole.RESIDENT, "Bo", east),
    )
    for telegram_id, role, name, community_id in people:
        await person(
            linli, telegram, telegram_id, role, name=name, area=None, community_id=community_id
        )
    return {name: telegram.users[telegram_id] for telegram_id, _, name, _ in people}


async def street_above_both(linli: RunningBot, telegram: FakeBotAPI) -> ChatUser:
    """Harbour Street, above the first community and East Lane, and Sam, its coordinator."""
    async with linli.app.session_factory() as session:
        street = await add_community(
            session, name="Harbour Street", slug="harbour", level=CommunityLevel.STREET,
            clock=linli.clock,
        )  # fmt: skip
        await session.execute(
            update(Community)
            .where(Community.level == CommunityLevel.COMMUNITY)
            .values(parent_id=street.id)
        )
        await session.commit()
        street_id = street.id
    await person(
        linli, telegram, STREET_SAM, UserRole.COORDINATOR, name="Sam", area=None,
        community_id=street_id,
    )  # fmt: skip
    return telegram.users[STREET_SAM]


async def send_notice(coordinator: ChatUser, text: str, where: str | None = None) -> str:
    """/broadcast to everyone, sent now; `where` is tapped first (a street's coordinator).
    Returns what the preview said of how many receive it."""
    await coordinator.send_command("/broadcast")
    if where is not None:
        assert "Who is this notice for?" in coordinator.last.text
        await coordinator.tap(where)
    assert "Send me the text of the notice" in coordinator.last.text
    await coordinator.send_text(text)
    await coordinator.tap("No, continue")
    await coordinator.tap("No, just a notice")
    await coordinator.tap("Everyone")
    count = coordinator.last.text
    await coordinator.tap("Send now")
    await coordinator.tap("Yes, send it")
    await coordinator.wait_for_message(lambda m: "Final report" in m.text)
    return count


def got(chat: ChatUser, text: str) -> bool:
    return any(message.text == text for message in chat.messages)


@pytest.mark.postgresql
async def test_each_coordinators_notice_reaches_their_own_community_only(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    people = await two_communities(linli, telegram)
    lin, ann, eva, bo = people["Lin"], people["Ann"], people["Eva"], people["Bo"]

    count = await send_notice(lin, "Water is off on Monday morning.")
    assert "2 people will receive it" in count  # Lin and Ann, nobody of East Lane
    assert "Who is this notice for?" not in str([m.text for m in lin.messages])  # one community
    await ann.wait_for_message(lambda m: m.text == "Water is off on Monday morning.")
    await linli.outbox_drained()
    assert not got(bo, "Water is off on Monday morning.")
    assert not got(eva, "Water is off on Monday morning.")

    count = await send_notice(eva, "East Lane tea party on Friday.")
    assert "2 people will receive it" in count
    await bo.wait_for_message(lambda m: m.text == "East Lane tea party on Friday.")
    await linli.outbox_drained()
    assert not got(ann, "East Lane tea party on Friday.")
    assert not got(lin, "East Lane tea party on Friday.")
    final = [m for m in eva.messages if "Final report" in m.text]
    assert len(final) == 1 and "Sent: 2" in final[0].text  # the report, to its author
    assert len([m for m in lin.messages if "Final report" in m.text]) == 1  # his own only


@pytest.mark.postgresql
async def test_a_street_coordinator_sends_to_all_communities_or_to_one(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    people = await two_communities(linli, telegram)
    sam = await street_above_both(linli, telegram)
    ann, bo, lin, eva = people["Ann"], people["Bo"], people["Lin"], people["Eva"]

    await sam.send_command("/broadcast")
    assert "several communities" in sam.last.text
    assert sam.last.labels == [
        "🏘 All communities of Harbour Street (2)", "🏠 Community", "🏠 East Lane",
    ]  # fmt: skip
    await sam.send_text("hello?")  # typed where a button is expected: the question again
    assert "🏠 East Lane" in sam.last.labels
    await sam.send_command("/cancel")

    count = await send_notice(
        sam, "Street fair on Sunday.", "🏘 All communities of Harbour Street (2)"
    )
    assert "4 people will receive it" in count
    for chat in (ann, bo, lin, eva):
        await chat.wait_for_message(lambda m: m.text == "Street fair on Sunday.")

    count = await send_notice(sam, "East Lane lift repairs today.", "🏠 East Lane")
    assert "2 people will receive it" in count
    await bo.wait_for_message(lambda m: m.text == "East Lane lift repairs today.")
    await linli.outbox_drained()
    assert got(eva, "East Lane lift repairs today.")
    assert not got(ann, "East Lane lift repairs today.")
    assert not got(lin, "East Lane lift repairs today.")


async def test_east_residents_help_and_emergency_give_east_numbers(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    people = await two_communities(linli, telegram)
    ann, bo = people["Ann"], people["Bo"]

    await bo.send_command("/help")
    assert EAST_PHONE_SHOWN in bo.last.text and MAIN_PHONE_SHOWN not in bo.last.text
    await ann.send_command("/help")
    assert MAIN_PHONE_SHOWN in ann.last.text and EAST_PHONE_SHOWN not in ann.last.text

    await bo.send_text("Help! I fell and can't get up")
    numbers = next(m for m in bo.messages if "call now" in m.text)
    assert "999" in numbers.text and "998" in numbers.text and "120" not in numbers.text
    await ann.send_text("Help! I fell and can't get up")
    numbers = next(m for m in ann.messages if "call now" in m.text)
    assert "120" in numbers.text and "999" not in numbers.text

    # in East Lane's coordinators' group, /help is East Lane's, whoever asks
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East", members=[EAST_EVA, MAIN_LIN])
    await east_group.as_user(MAIN_LIN).send_command("/help")
    assert EAST_PHONE_SHOWN in east_group.last.text
    assert "English" not in east_group.last.labels  # no language buttons: not Lin's group
    await east_group.as_user(MAIN_LIN).send_command("/language")
    assert "belongs to another community" in east_group.last.text
    main_group = telegram.group(COORDINATORS_CHAT, "Main", members=[MAIN_LIN])
    await main_group.as_user(MAIN_LIN).send_command("/help")
    assert MAIN_PHONE_SHOWN in main_group.last.text and "English" in main_group.last.labels


async def test_east_places_are_east_lanes_only(linli: RunningBot, telegram: FakeBotAPI) -> None:
    people = await two_communities(linli, telegram)
    lin, eva = people["Lin"], people["Eva"]

    for coordinator, name in ((eva, "East Tower"), (lin, "Building 5")):
        await coordinator.send_command("/places")
        await coordinator.tap("➕ Add a place")
        await coordinator.send_text(name)
        assert f"Added: {name}" in coordinator.messages[-2].text
    assert "East Tower" in eva.last.text and "Building 5" not in eva.last.text
    await lin.send_command("/places")
    assert "Building 5" in lin.last.text and "East Tower" not in lin.last.text
    async with linli.app.session_factory() as session:
        tower = await session.scalar(select(Place).where(Place.name == "East Tower"))
        assert tower is not None
    await lin.press_data(PlaceAction(action="hide", place_id=tower.id).pack(), lin.last.message_id)
    assert "no longer active" in (lin.callback_answers[-1].text or "")
    await eva.send_command("/places")
    assert "(hidden)" not in eva.last.text  # a forged button of the other community did nothing

    # someone registering in the first community is offered its places, not East Lane's
    newcomer = telegram.user(831, first_name="Nia", language_code="en")
    await agree_as_myself(newcomer)
    await newcomer.tap("🏘 Community")  # two communities: she says which she lives in
    await newcomer.tap_reply("⏭ Skip")  # the phone
    assert "📍 Building 5" in newcomer.last.labels and "📍 East Tower" not in newcomer.last.labels

    # the first community's notice to "a building or area" offers its places only
    await lin.send_command("/broadcast")
    await lin.send_text("The lift is being repaired.")
    await lin.tap("No, continue")
    await lin.tap("No, just a notice")
    await lin.tap("A building or area")
    assert lin.last.labels == ["📍 Building 5"]
    await lin.send_command("/cancel")

    # a street's coordinator is told kindly that places are each community's
    sam = await street_above_both(linli, telegram)
    await sam.send_command("/places")
    assert "Places belong to one community" in sam.last.text


async def test_calls_to_make_are_each_communitys_own(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    people = await two_communities(linli, telegram)
    lin, eva, bo = people["Lin"], people["Eva"], people["Bo"]

    await bo.send_command("/help")
    await bo.tap("📞 Please call me")
    await linli.outbox_drained()
    await lin.send_command("/start")
    await lin.tap_reply("📞 Calls to make")
    assert "Nobody is waiting for a call" in lin.last.text
    await eva.send_command("/start")
    await eva.tap_reply("📞 Calls to make")
    assert "Bo asks to be called" in eva.last.text

    async with linli.app.session_factory() as session:
        call = await session.scalar(select(CallBack))
        assert call is not None
    forged = CallBackAction(action="done", call_id=call.id).pack()
    await lin.press_data(forged, lin.last.message_id)
    assert "no longer active" in (lin.callback_answers[-1].text or "")
    await eva.tap_reply("📞 Calls to make")
    assert "Bo asks to be called" in eva.last.text  # still waiting: Lin's press did nothing
    await eva.tap("✅ I called Bo")
    assert "Eva called Bo" in (eva.callback_answers[-1].text or "")


async def test_east_people_choose_among_east_lanes_places_when_registering_and_asking(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    people = await two_communities(linli, telegram)
    lin, eva, bo = people["Lin"], people["Eva"], people["Bo"]
    for coordinator, name in ((eva, "East Tower"), (lin, "Building 5")):
        await coordinator.send_command("/places")
        await coordinator.tap("➕ Add a place")
        await coordinator.send_text(name)

    # someone who opens East Lane's join link is offered East Lane's places only
    newcomer = telegram.user(832, first_name="Ola", language_code="en")
    await newcomer.send_command("/start", "c-east")
    await newcomer.tap("🙋 I need help")
    await newcomer.tap("✅ I agree, call me Ola")
    await newcomer.tap_reply("⏭ Skip")  # the phone
    assert "📍 East Tower" in newcomer.last.labels
    assert "📍 Building 5" not in newcomer.last.labels
    await newcomer.tap("📍 East Tower")
    assert "went wrong" not in newcomer.last.text and "no longer active" not in str(
        newcomer.callback_answers[-1].text
    )

    # Bo, of East Lane, with neither place nor address yet, asks for help: East Lane's places
    await bo.send_command("/request")
    await bo.tap("🛒 Shopping and errands")
    await bo.send_text("Bread and milk, please")
    await bo.tap("⚡ As soon as possible")
    assert "📍 East Tower" in bo.last.labels and "📍 Building 5" not in bo.last.labels
    await bo.tap("📍 East Tower")
    assert "no longer active" not in str(bo.callback_answers[-1].text)
    assert "East Tower" in bo.last.text  # the summary names her place


async def test_a_volunteer_who_serves_east_lane_too_hears_its_notices(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Tao registered in the first community and serves East Lane too: East Lane's notice
    reaches him, and still nobody else of the first community."""
    people = await two_communities(linli, telegram)
    eva, ann, lin = people["Eva"], people["Ann"], people["Lin"]
    tao = await person(linli, telegram, 803, UserRole.VOLUNTEER, name="Tao", area=None)
    async with linli.app.session_factory() as session:
        east = await session.scalar(select(Community.id).where(Community.slug == "east"))
        assert east is not None
        await served_queries.add_served(session, tao.id, east, by_id=None, at=linli.clock.now())
        await session.commit()

    count = await send_notice(eva, "East Lane needs helpers on Saturday.")
    assert "3 people will receive it" in count  # Eva, Bo, and Tao who serves East Lane
    await telegram.users[803].wait_for_message(
        lambda m: m.text == "East Lane needs helpers on Saturday."
    )
    await linli.outbox_drained()
    assert not got(ann, "East Lane needs helpers on Saturday.")
    assert not got(lin, "East Lane needs helpers on Saturday.")
