"""Check-ins and paired visits on a deployment of two communities, told as their people see it:
the first community (Lin coordinates it, its groups are those of `running_community`) and East
Lane (Emma coordinates it, with its own groups). Each community's missed check-ins and visits
reach its own coordinators; each coordinator's board and pickers show their own people; a
button naming the other community's check-in or person changes nothing; and the times of
check-ins keep the quiet hours of the resident's community.

East Lane's people have no phone or address on record: the privacy check after each test
knows the first community's groups only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import (
    CheckinAlertAction,
    CheckinPlanAction,
    CheckinProxy,
    CheckinSetupStep,
    PairStep,
)
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins, visits
from bot.services.checkins import ContactDraft
from bot.services.errors import PairingPersonInvalid
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    User,
    UserRole,
    VisitCadence,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    EAST_COORDINATORS_CHAT,
    person,
    running_community,
    second_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

LIN, EMMA = 700, 710  # the coordinators of the first community and of East Lane
MEI, KAI = 701, 702  # first-community residents (Mei has check-ins)
EVE, EDD = 711, 712  # East Lane residents (Eve has check-ins)
TAO, ENA = 703, 713  # a first-community volunteer, an East Lane volunteer
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 17:00 in Shanghai
SIX_PM = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 18:00 in Shanghai
VISIT_AT = datetime(2026, 3, 9, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai, a week later
NOT_FOR_YOU = "This button is not for you"
STALE = "This button is no longer active"
DEFAULT_QUIET = QuietHours.parse("22:00-07:00")


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(START)
    async with running_community(telegram, database_url, clock) as running:
        yield running


def labels(chat: ChatUser) -> list[str]:
    return [label for row in chat.last.buttons for label in row]


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> int:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    return await scheduler.tick()


async def two_communities(linli: RunningBot, telegram: FakeBotAPI, **east: str) -> int:
    """Both communities with their coordinators (each in their group), a resident with
    check-ins and one without, and a volunteer each. Returns East Lane's id."""
    east_id = await second_community(linli, **east)
    await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin")
    await person(linli, telegram, EMMA, UserRole.COORDINATOR, name="Emma", community_id=east_id)
    await person(linli, telegram, MEI, UserRole.RESIDENT, name="Mei Chen")
    await person(linli, telegram, KAI, UserRole.RESIDENT, name="Kai Lee")
    for telegram_id, name in ((EVE, "Eve East"), (EDD, "Edd East")):
        await person(
            linli, telegram, telegram_id, UserRole.RESIDENT, name=name, community_id=east_id
        )
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao Wang")
    await person(
        linli, telegram, ENA, UserRole.VOLUNTEER, name="Ena Volunteer", community_id=east_id
    )
    telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])
    telegram.group(EAST_COORDINATORS_CHAT, "East Lane coordinators", members=[EMMA])
    return east_id


async def row(linli: RunningBot, telegram_id: int) -> User:
    async with linli.app.session_factory() as session:
        found = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert found is not None
        return found


async def enrol(
    linli: RunningBot,
    resident_id: int,
    coordinator_id: int,
    times: list[str],
    *,
    quiet: QuietHours = DEFAULT_QUIET,
    volunteer_id: int | None = None,
) -> CheckinPlan:
    """A plan the resident has agreed to, written by their coordinator through the services."""
    async with linli.app.session_factory() as session:
        resident = await session.scalar(select(User).where(User.telegram_id == resident_id))
        author = await session.scalar(select(User).where(User.telegram_id == coordinator_id))
        assert resident is not None and author is not None
        contacts = []
        if volunteer_id is not None:
            volunteer = await session.scalar(select(User).where(User.telegram_id == volunteer_id))
            assert volunteer is not None
            contacts.append(ContactDraft(ContactKind.VOLUNTEER, user_id=volunteer.id))
        plan = await checkins.propose_plan(
            session, author, resident, times=times, contacts=contacts, quiet=quiet,
            clock=linli.clock,
        )  # fmt: skip
        await checkins.agree_to_plan(session, resident, plan.id, clock=linli.clock)
        await session.commit()
        return plan


async def checkin_of(linli: RunningBot, telegram_id: int) -> Checkin:
    async with linli.app.session_factory() as session:
        found = await session.scalar(
            select(Checkin)
            .join(User, User.id == Checkin.resident_id)
            .where(User.telegram_id == telegram_id)
            .order_by(Checkin.id.desc())
        )
        assert found is not None
        return found


@pytest.mark.postgresql
async def test_an_east_residents_missed_check_in_goes_to_east_and_is_east_s_to_handle(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    await two_communities(linli, telegram)
    await enrol(linli, EVE, EMMA, ["18:00"])
    plan = await enrol(linli, MEI, LIN, ["18:00"])
    first_group, east_group = (
        telegram.groups[COORDINATORS_CHAT],
        telegram.groups[EAST_COORDINATORS_CHAT],
    )
    eve, mei, lin = telegram.users[EVE], telegram.users[MEI], telegram.users[LIN]

    # Both are asked at six; Mei answers, Eve does not: at seven East Lane's coordinators hear
    await tick_at(linli, clock, SIX_PM)
    await eve.wait_for_message(has("Are you all right?"), timeout=10)
    await mei.wait_for_message(has("Are you all right?"), timeout=10)
    await mei.tap("I'm fine 👍")
    await tick_at(linli, clock, SIX_PM + timedelta(minutes=30))
    await eve.wait_for_message(has("not heard from you yet"), timeout=10)
    await tick_at(linli, clock, SIX_PM + timedelta(hours=1))
    alert = await east_group.wait_for_message(has("Eve East has not answered"), timeout=10)
    await linli.outbox_drained()
    assert not [m for m in first_group.messages if "Eve East" in m.text]
    assert not [m for m in lin.messages if "Eve East" in m.text]

    # Lin, of the first community, forges the alert's buttons and Eve's: nothing changes
    escalated = await checkin_of(linli, EVE)
    assert escalated.status is CheckinStatus.ESCALATED
    await lin.send_command("/checkins")
    for action in ("take", "ok", "no"):
        forged = CheckinAlertAction(action=action, checkin_id=escalated.id).pack()
        await lin.press_data(forged, message_id=lin.last.message_id)
        assert NOT_FOR_YOU in lin.callback_answers[-1].text
    for action in ("ask", "yes"):
        forged = CheckinProxy(action=action, resident_id=escalated.resident_id).pack()
        await lin.press_data(forged, message_id=lin.last.message_id)
        assert "Only coordinators" in lin.callback_answers[-1].text
    forged = CheckinPlanAction(action="stopyes", plan_id=escalated.plan_id).pack()
    await lin.press_data(forged, message_id=lin.last.message_id)
    assert NOT_FOR_YOU in lin.callback_answers[-1].text
    unchanged = await checkin_of(linli, EVE)
    assert unchanged.status is CheckinStatus.ESCALATED and unchanged.handler_id is None
    async with linli.app.session_factory() as session:
        eve_plan = await session.get(CheckinPlan, escalated.plan_id)
        assert eve_plan is not None and eve_plan.status is CheckinPlanStatus.ACTIVE
    assert plan.community_id != eve_plan.community_id

    # ...while Emma, in East Lane's group, takes it on
    emma = telegram.users[EMMA].in_group(east_group)
    await emma.tap("🙋 I'm handling it", message_id=alert.message_id)
    handled = await checkin_of(linli, EVE)
    assert handled.handler_id == (await row(linli, EMMA)).id
    await east_group.wait_for_message(has("Emma is handling Eve East"), timeout=10)

    # Nobody reaches her: the end of the chain is East Lane's too
    await tick_at(linli, clock, SIX_PM + timedelta(hours=3))
    await east_group.wait_for_message(has("Nobody has reached Eve East"), timeout=10)
    await linli.outbox_drained()
    assert not [m for m in first_group.messages if "Eve East" in m.text]


async def test_a_coordinator_s_board_and_pickers_list_only_their_community_s_people(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    linli = community
    await two_communities(linli, telegram)
    await enrol(linli, MEI, LIN, ["18:00"])
    await enrol(linli, EVE, EMMA, ["18:00"])
    lin, emma = telegram.users[LIN], telegram.users[EMMA]
    edd, ena = await row(linli, EDD), await row(linli, ENA)

    # today's board
    await lin.send_command("/checkins")
    assert "Mei Chen" in lin.last.text and "Eve East" not in lin.last.text
    assert "⏳ Waiting for an answer: 1" in lin.last.text
    await emma.send_command("/checkins")
    assert "Eve East" in emma.last.text and "Mei Chen" not in emma.last.text

    # /enrol: whom, then which volunteers
    await lin.send_command("/enrol")
    names = labels(lin)
    assert any("Kai Lee" in n for n in names)
    assert not any("East" in n for n in names)
    forged = CheckinSetupStep(action="who", value=str(edd.id)).pack()
    await lin.press_data(forged, message_id=lin.last.message_id)
    assert "no longer a registered resident" in lin.callback_answers[-1].text
    await lin.send_text("edd")  # typing East Lane's name finds nobody
    assert "Nobody found" in lin.last.text
    await lin.send_text("kai")
    await lin.tap("Kai Lee")
    await lin.tap("09:00")
    await lin.tap("📅 Every day")
    assert "Which volunteers" in lin.last.text
    names = labels(lin)
    assert any("Tao Wang" in n for n in names) and not any("Ena" in n for n in names)
    forged = CheckinSetupStep(action="vol", value=str(ena.id)).pack()
    await lin.press_data(forged, message_id=lin.last.message_id)
    assert "can no longer be chosen" in lin.callback_answers[-1].text
    await lin.send_command("/cancel")

    await emma.send_command("/enrol")
    names = labels(emma)
    assert any("Edd East" in n for n in names) and not any("Kai" in n for n in names)
    await emma.send_command("/cancel")

    # /pair: the resident, then who will visit
    await lin.send_command("/pair")
    names = labels(lin)
    assert any("Mei Chen" in n for n in names) and any("Kai Lee" in n for n in names)
    assert not any("East" in n for n in names)
    await lin.press_data(PairStep(action="res", value=str(edd.id)).pack(), lin.last.message_id)
    assert STALE in lin.callback_answers[-1].text
    assert "Who is the resident?" in lin.last.text
    await lin.tap("Mei Chen")
    assert "Who will visit?" in lin.last.text
    names = labels(lin)
    assert any("Tao Wang" in n for n in names) and not any("Ena" in n for n in names)
    await lin.press_data(PairStep(action="vol", value=str(ena.id)).pack(), lin.last.message_id)
    assert STALE in lin.callback_answers[-1].text
    assert "Who will visit?" in lin.last.text
    await lin.tap("Tao Wang")
    await lin.tap("🏠 A visit every week")
    await lin.tap("Monday")
    await lin.tap("🕒 10:00")
    await lin.tap("⏭ No code")
    await lin.tap("✅ Pair them")
    assert "✅ Paired: Tao Wang with Mei Chen" in lin.last.text

    await emma.send_command("/pair")
    names = labels(emma)
    assert any("Eve East" in n for n in names) and not any("Mei" in n for n in names)
    await emma.tap("Eve East")
    names = labels(emma)
    assert any("Ena Volunteer" in n for n in names) and not any("Tao" in n for n in names)
    await emma.send_command("/cancel")

    # the lists of pairings and coming visits
    await lin.send_command("/visits")
    assert "Tao Wang → Mei Chen" in lin.last.text
    await emma.send_command("/visits")
    assert "Pairings: 0" in emma.last.text and "Mei Chen" not in emma.last.text


async def test_check_in_times_keep_the_quiet_hours_of_the_resident_s_community(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """East Lane goes quiet at nine in the evening; the first community at ten (the default).
    The scheduler keeps them too: Eve chose 07:30 before East Lane's quiet hours were set to
    end at eight, so that check-in is not sent; Mei's, in the first community, is."""
    linli = community
    await two_communities(linli, telegram, quiet_hours="21:00-08:00")
    lin, emma = telegram.users[LIN], telegram.users[EMMA]

    await emma.send_command("/enrol")
    await emma.tap("Edd East")
    await emma.send_text("21:30")
    assert "at night (21:00" in emma.last.text
    await emma.send_text("7:30")
    assert "at night" in emma.last.text
    await emma.send_text("20:30")
    assert "✅ Added: 20:30" in emma.last.text

    await lin.send_command("/enrol")
    await lin.tap("Kai Lee")
    await lin.send_text("21:30")
    assert "✅ Added: 21:30" in lin.last.text
    await lin.send_text("7:30")
    assert "✅ Added: 07:30" in lin.last.text

    # the scheduler: 07:30 on Tuesday in Shanghai is 23:30 UTC on Monday
    await enrol(linli, EVE, EMMA, ["07:30"])  # agreed with the quiet hours of before
    await enrol(linli, MEI, LIN, ["07:30"])
    await tick_at(linli, clock, datetime(2026, 3, 2, 23, 30, tzinfo=UTC))
    await telegram.users[MEI].wait_for_message(has("Are you all right?"), timeout=10)
    await linli.outbox_drained()
    assert not [m for m in telegram.users[EVE].messages if "Are you all right?" in m.text]
    assert (await checkin_of(linli, EVE)).status is CheckinStatus.SKIPPED
    assert (await checkin_of(linli, MEI)).status is CheckinStatus.WAITING


async def test_east_lane_s_visits_that_need_a_look_go_to_east_lane_s_coordinators(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """Two low wellbeing scores in a row, nobody at the door, a visit never logged: each
    reaches East Lane's group, and nothing of it the first community's."""
    linli = community
    east_id = await two_communities(linli, telegram)
    async with linli.app.session_factory() as session:
        emma = await session.scalar(select(User).where(User.telegram_id == EMMA))
        eve = await session.scalar(select(User).where(User.telegram_id == EVE))
        ena = await session.scalar(select(User).where(User.telegram_id == ENA))
        tao = await session.scalar(select(User).where(User.telegram_id == TAO))
        assert emma and eve and ena and tao
        # a volunteer who does not serve East Lane cannot be paired with Eve
        with pytest.raises(PairingPersonInvalid):
            await visits.create_pairing(
                session, emma, resident_id=eve.id, volunteer_id=tao.id,
                schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0), safety_code=None,
                settings=linli.settings, clock=clock,
            )  # fmt: skip
        pairing, _ = await visits.create_pairing(
            session, emma, resident_id=eve.id, volunteer_id=ena.id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0), safety_code=None,
            settings=linli.settings, clock=clock,
        )  # fmt: skip
        assert pairing.community_id == east_id
        await session.commit()
    first_group, east_group = (
        telegram.groups[COORDINATORS_CHAT],
        telegram.groups[EAST_COORDINATORS_CHAT],
    )
    volunteer = telegram.users[ENA]

    async def log(week: int, *taps: str) -> None:
        await tick_at(linli, clock, VISIT_AT + timedelta(weeks=week, hours=1))
        await volunteer.wait_for_message(has("How did it go with Eve East"), timeout=10)
        await volunteer.tap("📝 Log the visit")
        for label in taps:
            await volunteer.tap(label)

    await log(0, "✅ It happened", "🙁 1 · Poor")
    await log(1, "✅ It happened", "😟 0 · Very poor")
    await east_group.wait_for_message(has("Please look in on Eve East"), timeout=10)
    await log(2, "🚪 Nobody answered")
    await east_group.wait_for_message(has("Nobody answered: Ena Volunteer"), timeout=10)
    await tick_at(linli, clock, VISIT_AT + timedelta(weeks=3, hours=1))
    await volunteer.wait_for_message(has("How did it go with Eve East"), timeout=10)
    await tick_at(linli, clock, VISIT_AT + timedelta(weeks=3, days=1, minutes=1))
    await east_group.wait_for_message(has("Not logged: Ena Volunteer"), timeout=10)
    await linli.outbox_drained()
    assert not [m for m in first_group.messages if "Eve East" in m.text]
    assert not [m for m in telegram.users[LIN].messages if "Eve East" in m.text]


async def test_a_resident_who_needs_help_at_her_check_in_hears_her_community_s_numbers(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """ "I need help 🙋" on a check-in: the answer gives the emergency numbers of the
    resident's own community (East Lane's 999), not the environment's (120)."""
    linli = community
    await two_communities(linli, telegram, emergency_numbers="999=ambulance")
    await enrol(linli, EVE, EMMA, ["18:00"])
    await enrol(linli, MEI, LIN, ["18:00"])
    await tick_at(linli, clock, SIX_PM)
    for resident, theirs, other in ((EVE, "999", "120"), (MEI, "120", "999")):
        chat = telegram.users[resident]
        await chat.wait_for_message(has("Are you all right?"), timeout=10)
        await chat.tap("I need help 🙋")
        answer = await chat.wait_for_message(has("call now"), timeout=10)
        assert theirs in answer.text and other not in answer.text, answer.text
