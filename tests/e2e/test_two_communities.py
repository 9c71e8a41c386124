"""Two communities on one deployment: what one community's people do reaches only that
community's coordinators, groups and volunteers (and every conversation is checked for it,
see tests/e2e/separation.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.emulator.server import FakeBotAPI
from storage.models import UserRole
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    EAST_VOLUNTEERS_CHAT,
    VOLUNTEERS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.separation import crossed_communities

WEST_ANN, WEST_LIN, EAST_MEI, EAST_GAO = 8101, 8102, 8201, 8202


@pytest.fixture
async def linli(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def two_communities(linli: RunningBot, telegram: FakeBotAPI) -> int:
    """The first community (Ann, coordinator Lin) and East Lane (Mei, coordinator Gao), each
    with its coordinators' and volunteers' groups; returns East's id."""
    east = await second_community(linli)
    groups = {
        COORDINATORS_CHAT: "West coordinators",
        VOLUNTEERS_CHAT: "West volunteers",
        EAST_COORDINATORS_CHAT: "East coordinators",
        EAST_VOLUNTEERS_CHAT: "East volunteers",
    }
    for chat, title in groups.items():
        telegram.group(chat, title)
    await person(linli, telegram, WEST_ANN, UserRole.RESIDENT, name="Ann West-Lee")
    await person(linli, telegram, WEST_LIN, UserRole.COORDINATOR, name="Lin Westwood")
    await person(
        linli, telegram, EAST_MEI, UserRole.RESIDENT, name="Mei Eastman", community_id=east
    )
    await person(
        linli, telegram, EAST_GAO, UserRole.COORDINATOR, name="Gao Easton", community_id=east
    )
    return east


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_request_in_east_lane_reaches_only_east_lanes_groups(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """Mei (East Lane) asks for help in her chat; the card reaches East's coordinators' group,
    where Gao approves it onto East's volunteers' group. The first community's groups and
    coordinator hear nothing of it."""
    await two_communities(linli, telegram)
    east_coordinators = telegram.groups[EAST_COORDINATORS_CHAT]
    east_coordinators.add_member(EAST_GAO)
    mei = telegram.users[EAST_MEI]
    await mei.send_command("/request")
    await mei.tap("🛒 Shopping and errands")
    await mei.send_text("Medicine from the East pharmacy, please")
    await mei.tap("⚡ As soon as possible")
    await mei.tap("✅ Send")
    card = await east_coordinators.wait_for_message(lambda m: "New request" in m.text)
    assert "Medicine from the East pharmacy" in card.text
    await east_coordinators.as_user(EAST_GAO).tap(
        "✅ Approve and publish", message_id=card.message_id
    )
    posted = await telegram.groups[EAST_VOLUNTEERS_CHAT].wait_for_message(
        lambda m: "Shopping and errands" in m.text
    )
    assert posted.buttons == [["🙌 I'll do it"]]
    await linli.outbox_drained()
    for chat in (COORDINATORS_CHAT, VOLUNTEERS_CHAT):
        assert telegram.groups[chat].messages == [], chat
    assert not any("Mei" in m.text for m in telegram.users[WEST_LIN].messages)


async def test_the_check_finds_a_message_that_crossed_communities(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    """The separation check itself: East's resident's name sent to the first community's
    volunteers' group is reported (so a check that found nothing means something)."""
    await two_communities(linli, telegram)
    async with linli.app.session_factory() as session:
        notifier = Notifier(session, linli.settings, linli.clock, linli.app.dispatcher["i18n"])
        await notifier.tell_chat(
            VOLUNTEERS_CHAT, "en", words_only(lambda: "Please visit Mei Eastman today"),
            kind="test.crossing", priority=Priority.NOTICE,
        )  # fmt: skip
        await session.commit()
    await linli.outbox_drained()
    crossed = await crossed_communities(telegram, linli.settings)
    assert len(crossed) == 1 and "'Mei Eastman'" in crossed[0], crossed
    telegram.calls.clear()  # what the fixture's own check would find: this test put it there
