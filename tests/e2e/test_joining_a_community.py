"""Conversations: with several communities on one bot, a person joins one by its join link,
by an invitation for it, or by tapping it when registering; what they then do reaches that
community's coordinators, never the first community's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.callbacks import CommunityChoice
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.services.communities import add_community
from bot.services.invites import create_invite
from storage.models import CommunityLevel, UserRole
from storage.repositories import communities as community_queries
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import agree_as_myself, has, offer_skills_and_languages, user_row

NEW_VOLUNTEER = "New volunteer to check"
WHICH = "Which community do you live in?"
EAST_TIMEZONE = "Asia/Hong_Kong"


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def street_over_both(linli: RunningBot) -> int:
    """A street above the first community and East Lane: coordinators may act for it, but
    nobody lives in a street, so it is never offered when registering."""
    async with linli.app.session_factory() as session:
        street = await add_community(
            session,
            name="Huamu Street",
            slug="huamu",
            level=CommunityLevel.STREET,
            clock=linli.clock,
        )
        await session.commit()
        return street.id


@pytest.mark.postgresql
async def test_a_join_link_registers_a_volunteer_in_east_and_east_checks_them(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    east = await second_community(linli, timezone=EAST_TIMEZONE)
    await person(linli, telegram, 502, UserRole.COORDINATOR, name="Lin", area=None)
    await person(
        linli, telegram, 602, UserRole.COORDINATOR, name="Wu", area=None, community_id=east
    )
    first_group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])
    east_group = telegram.group(EAST_COORDINATORS_CHAT, "East coordinators", members=[602])

    tom = telegram.user(2001, first_name="Tom", language_code="en")
    await tom.send_command("/start", "c-east")
    assert "Do you need some help" in tom.last.text  # the usual start, nothing to read first
    await tom.tap("🤝 I want to volunteer")
    await tom.tap("✅ I agree, call me Tom")
    assert WHICH not in tom.last.text  # the link said where: not asked
    await tom.tap_reply("⏭ Skip")  # the phone
    await offer_skills_and_languages(tom)
    assert "Your community: East Lane" in tom.last.text

    row = await user_row(linli, 2001)
    assert row is not None and row.community_id == east and row.timezone == EAST_TIMEZONE
    card = await east_group.wait_for_message(has(NEW_VOLUNTEER))
    assert "Tom" in card.text
    await linli.outbox_drained()
    assert not [m for m in first_group.messages if NEW_VOLUNTEER in m.text]


async def test_an_unknown_join_link_gets_a_kind_word_and_the_normal_start(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    await second_community(linli)
    ann = telegram.user(2002, first_name="Ann", language_code="en")
    await ann.send_command("/start", "c-nowhere")
    assert any("could not find the community of this link" in m.text for m in ann.messages)
    assert "Do you need some help" in ann.last.text
    await ann.tap("🙋 I need help")
    await ann.tap("✅ I agree, call me Ann")
    assert WHICH in ann.last.text  # so she is asked where she lives


@pytest.mark.postgresql
async def test_with_two_communities_registering_asks_which_and_the_choice_sticks(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    street = await street_over_both(linli)
    east = await second_community(linli, timezone=EAST_TIMEZONE, parent_slug="huamu")
    mei = telegram.user(2003, first_name="Mei", language_code="en")
    await agree_as_myself(mei)
    asked = mei.last
    assert WHICH in asked.text  # the first question after the consent
    assert asked.buttons == [["🏘 Community"], ["🏘 East Lane"]]  # by name; never the street

    # a forged button naming the street, and typed words, change nothing
    await mei.press_data(
        CommunityChoice(action="pick", value=street).pack(), message_id=asked.message_id
    )
    assert "no longer active" in mei.callback_answers[-1].text
    await mei.send_text("somewhere nice")
    assert WHICH in mei.last.text and mei.last.buttons == asked.buttons
    row = await user_row(linli, 2003)
    assert row is not None and row.community_id is None

    await mei.tap("🏘 East Lane", message_id=asked.message_id)
    assert "🏘 East Lane" in mei.message(asked.message_id).text  # what she chose stays shown
    assert "phone number" in mei.last.text
    await mei.send_command("/start")  # she stops and comes back: not asked again
    assert "carry on" in mei.messages[-2].text and "phone number" in mei.last.text
    await mei.tap_reply("⏭ Skip")  # the phone
    await mei.tap_reply("⏭ Skip")  # the address
    assert "Your community: East Lane" in mei.last.text

    row = await user_row(linli, 2003)
    assert row is not None and row.is_onboarded
    assert row.community_id == east and row.timezone == EAST_TIMEZONE


async def test_a_long_list_of_communities_comes_in_pages(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    for number in range(1, 10):  # with the first one ("Community"), ten
        await second_community(
            linli, name=f"Lane {number}", slug=f"lane{number}", coordinators=None, volunteers=None
        )
    mei = telegram.user(2004, first_name="Mei", language_code="en")
    await agree_as_myself(mei)
    asked = mei.last
    assert asked.buttons[0] == ["🏘 Community"] and asked.buttons[-1] == ["Next ➡️"]
    assert len(asked.buttons) == 9  # eight, and the next page
    await mei.tap("Next ➡️", message_id=asked.message_id)
    turned = mei.message(asked.message_id)
    assert turned.buttons == [["🏘 Lane 8"], ["🏘 Lane 9"], ["⬅️ Previous"]]
    await mei.tap("🏘 Lane 9", message_id=asked.message_id)
    async with linli.app.session_factory() as session:
        lane9 = await community_queries.by_slug(session, "lane9")
    row = await user_row(linli, 2004)
    assert lane9 is not None and row is not None and row.community_id == lane9.id


@pytest.mark.postgresql
async def test_an_invitation_for_east_makes_an_east_coordinator(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """East has no groups of its own: what East's coordinators must hear goes to each of them
    privately, so the invited coordinator hears of an East volunteer, and the first
    community's group does not."""
    east = await second_community(linli, coordinators=None, volunteers=None)
    await person(linli, telegram, 502, UserRole.COORDINATOR, name="Lin", area=None)
    first_group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])
    async with linli.app.session_factory() as session:
        issued = await create_invite(
            session,
            role=UserRole.COORDINATOR,
            ttl=timedelta(hours=72),
            clock=clock,
            community_id=east,
        )
        await session.commit()

    wu = telegram.user(3001, first_name="Wu", language_code="en")
    await wu.send_command("/start", issued.code)
    assert any("you are now a coordinator" in m.text for m in wu.messages)
    await wu.tap("✅ I agree, call me Wu")
    assert WHICH not in wu.last.text  # the invitation said where
    await wu.tap_reply("⏭ Skip")  # the phone: registered
    assert "registered as a coordinator" in wu.last.text
    row = await user_row(linli, 3001)
    assert row is not None and row.role is UserRole.COORDINATOR and row.community_id == east

    tom = telegram.user(2001, first_name="Tom", language_code="en")
    await tom.send_command("/start", "c-east")
    await tom.tap("🤝 I want to volunteer")
    await tom.tap("✅ I agree, call me Tom")
    await tom.tap_reply("⏭ Skip")
    await offer_skills_and_languages(tom)
    card = await wu.wait_for_message(has(NEW_VOLUNTEER))
    assert "Tom" in card.text
    await linli.outbox_drained()
    assert not [m for m in first_group.messages if NEW_VOLUNTEER in m.text]
