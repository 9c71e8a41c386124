"""The rules of surveys that need no conversation: when a round is due, which questions make a
survey, that a round is sent once by two processes at once and only to the people of the
communities it is for, that every tap counts once and only its owner's, and that deleting
one's data erases one's comment and keeps the taps, anonymous."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.i18n import create_i18n
from bot.scheduling import jobs
from bot.services import erasure, surveys
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    SurveyAnswered,
    SurveyNotFound,
    TextTooLong,
)
from bot.services.surveys import SurveyPlan, next_round_at
from storage.models import (
    Community,
    CommunityLevel,
    OutboxMessage,
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyInvite,
    SurveyRound,
    User,
    UserRole,
)
from tests.people import make_person

pytestmark = pytest.mark.postgresql

SETTINGS = Settings()
SHANGHAI = "Asia/Shanghai"
WEDNESDAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
TENTH_AT_TEN = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
MONTHLY = SurveyPlan(SurveyAudience.RESIDENTS, ["satisfied", "safer", "recommend"], 1, 10, 10)


def test_a_round_is_due_on_its_day_and_hour_of_the_month_in_the_communitys_time() -> None:
    assert next_round_at(10, 10, WEDNESDAY, SHANGHAI) == TENTH_AT_TEN
    assert next_round_at(10, 10, TENTH_AT_TEN, SHANGHAI) == datetime(2026, 4, 10, 2, tzinfo=UTC)
    december = datetime(2026, 12, 20, tzinfo=UTC)
    assert next_round_at(1, 9, december, SHANGHAI) == datetime(2027, 1, 1, 1, tzinfo=UTC)


def test_a_survey_asks_three_to_five_questions_of_each_group_it_goes_to() -> None:
    residents, both = SurveyAudience.RESIDENTS, SurveyAudience.BOTH
    assert surveys.valid_questions(residents, ["satisfied", "safer", "recommend"])
    assert not surveys.valid_questions(residents, ["satisfied", "safer"])
    assert not surveys.valid_questions(residents, ["satisfied", "safer", "safer", "easy"])
    assert not surveys.valid_questions(residents, ["satisfied", "safer", "recommend", "supported"])
    assert not surveys.valid_questions(residents, ["satisfied", "safer", "made-up"])
    assert surveys.valid_questions(both, surveys.default_questions(both))
    assert not surveys.valid_questions(both, surveys.default_questions(residents))


async def _cast(session: AsyncSession, clock: ManualClock) -> dict[str, User]:
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    people = {
        "lin": await make_person(session, clock, 1, UserRole.COORDINATOR, name="Lin"),
        "mei": await make_person(session, clock, 2, UserRole.RESIDENT, name="Mei"),
        "bo": await make_person(session, clock, 3, UserRole.RESIDENT, name="Bo"),
        "tao": await make_person(session, clock, 4, UserRole.VOLUNTEER, name="Tao"),
        "zed": await make_person(
            session, clock, 5, UserRole.RESIDENT, name="Zed", community_id=east.id
        ),
        "eva": await make_person(
            session, clock, 6, UserRole.COORDINATOR, name="Eva", community_id=east.id
        ),
    }
    await session.commit()
    return people


async def test_only_coordinators_set_up_a_survey_and_only_a_sound_one(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(WEDNESDAY)
    people = await _cast(session, clock)
    with pytest.raises(NotAllowed):
        await surveys.set_survey(session, SETTINGS, people["mei"], MONTHLY, now=clock.now())
    for bad in (
        SurveyPlan(SurveyAudience.RESIDENTS, ["satisfied", "safer"], 1, 10, 10),
        SurveyPlan(SurveyAudience.RESIDENTS, MONTHLY.questions, 2, 10, 10),
        SurveyPlan(SurveyAudience.RESIDENTS, MONTHLY.questions, 1, 31, 10),
        SurveyPlan(SurveyAudience.RESIDENTS, MONTHLY.questions, 1, 10, 3),  # at night
    ):
        with pytest.raises(InvalidInput):
            await surveys.set_survey(session, SETTINGS, people["lin"], bad, now=clock.now())
    survey = await surveys.set_survey(session, SETTINGS, people["lin"], MONTHLY, now=clock.now())
    assert survey.community_id == FIRST_COMMUNITY_ID and survey.next_due_at == TENTH_AT_TEN
    assert await surveys.stop_survey(session, people["lin"])
    assert (await surveys.survey_setting(session, people["lin"])).next_due_at is None  # type: ignore[union-attr]
    assert await surveys.survey_setting(session, people["eva"]) is None, "East Lane has none"


async def _start(factory: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with factory() as session:
        started = await surveys.start_due_rounds(session, SETTINGS, now)
        await session.commit()
        return len(started)


async def test_a_round_goes_out_once_with_two_processes_at_once_to_its_community_only(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    clock.set(WEDNESDAY)
    async with session_factory() as session:
        people = await _cast(session, clock)
        await surveys.set_survey(session, SETTINGS, people["lin"], MONTHLY, now=clock.now())
        await session.commit()
    assert await _start(session_factory, TENTH_AT_TEN - timedelta(minutes=1)) == 0
    now = TENTH_AT_TEN + timedelta(minutes=1)
    started = await asyncio.gather(*(_start(session_factory, now) for _ in range(3)))
    assert sorted(started) == [0, 0, 1]
    async with session_factory() as session:
        rounds = list(await session.scalars(select(SurveyRound)))
        invited = set(await session.scalars(select(SurveyInvite.user_id)))
        survey = await session.scalar(select(Survey))
    assert len(rounds) == 1 and rounds[0].closes_at == now + timedelta(days=7)
    assert invited == {people["mei"].id, people["bo"].id}, "residents of its community only"
    assert survey is not None and survey.next_due_at == datetime(2026, 4, 10, 2, tzinfo=UTC)
    assert await _start(session_factory, now + timedelta(days=1)) == 0


async def test_a_streets_coordinator_surveys_every_community_below_the_street(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(WEDNESDAY)
    people = await _cast(session, clock)
    street = await add_community(
        session, name="North Street", slug="north", level=CommunityLevel.STREET, clock=clock
    )
    for community_id in (FIRST_COMMUNITY_ID, people["zed"].community_id):
        row = await session.get(Community, community_id)
        assert row is not None
        row.parent_id = street.id
    sam = await make_person(session, clock, 7, UserRole.COORDINATOR, community_id=street.id)
    await session.commit()
    both = SurveyPlan(
        SurveyAudience.BOTH, surveys.default_questions(SurveyAudience.BOTH), 1, 10, 10
    )
    await surveys.set_survey(session, SETTINGS, sam, both, now=clock.now())
    [started] = await surveys.start_due_rounds(session, SETTINGS, TENTH_AT_TEN)
    asked = {a.person.id: a.invite.questions for a in started.asked}
    assert set(asked) == {people[n].id for n in ("mei", "bo", "zed", "tao")}
    assert asked[people["tao"].id] == ["supported", "fulfilling", "fits"]
    assert asked[people["mei"].id] == ["satisfied", "safer", "recommend"]


async def test_each_tap_counts_once_and_only_its_owners_and_the_round_is_reported_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(WEDNESDAY)
    people = await _cast(session, clock)
    await surveys.set_survey(session, SETTINGS, people["lin"], MONTHLY, now=clock.now())
    [started] = await surveys.start_due_rounds(session, SETTINGS, TENTH_AT_TEN)
    invite = {a.person.id: a.invite.id for a in started.asked}
    mei, bo, now = people["mei"], people["bo"], TENTH_AT_TEN
    with pytest.raises(NotAllowed):
        await surveys.answer(session, bo, invite[mei.id], 0, 5, now=now)
    with pytest.raises(InvalidInput):
        await surveys.answer(session, mei, invite[mei.id], 0, 6, now=now)
    with pytest.raises(SurveyAnswered):
        await surveys.answer(session, mei, invite[mei.id], 1, 3, now=now)  # not asked yet
    with pytest.raises(SurveyNotFound):
        await surveys.answer(session, mei, invite[mei.id], 7, 3, now=now)
    first = await surveys.answer(session, mei, invite[mei.id], 0, 5, now=now)
    assert first.next_question is not None and first.next_question.key == "safer"
    with pytest.raises(SurveyAnswered):
        await surveys.answer(session, mei, invite[mei.id], 0, 1, now=now)  # a double tap
    with pytest.raises(SurveyNotFound):
        await surveys.comment(session, mei, invite[mei.id], text="Not yet", now=now)
    await surveys.answer(session, mei, invite[mei.id], 1, 3, now=now)
    last = await surveys.answer(session, mei, invite[mei.id], 2, 2, now=now)
    assert last.next_question is None and last.invite.answered_at == now
    with pytest.raises(TextTooLong):
        await surveys.comment(session, mei, invite[mei.id], text="好" * 1001, now=now)
    await surveys.comment(session, mei, invite[mei.id], text="王阿姨帮我很多", now=now)
    with pytest.raises(SurveyAnswered):
        await surveys.comment(session, mei, invite[mei.id], text="Again", now=now)

    assert await surveys.close_due_rounds(session, now + timedelta(days=6)) == []
    [closed] = await surveys.close_due_rounds(session, now + timedelta(days=7))
    assert await surveys.close_due_rounds(session, now + timedelta(days=8)) == []
    results = closed.results
    assert (results.asked, results.answered, results.rate) == (2, 1, 50)
    assert [(q.key, taps, mean) for q, taps, mean in results.averages] == [
        ("satisfied", 1, 5.0), ("safer", 1, 3.0), ("recommend", 1, 2.0),
    ]  # fmt: skip
    assert results.comments == ("王阿姨帮我很多",)
    with pytest.raises(SurveyNotFound):
        await surveys.answer(session, bo, invite[bo.id], 0, 4, now=now + timedelta(days=8))

    rounds, in_east = await surveys.results_in(
        session,
        frozenset({people["zed"].community_id}),
        now - timedelta(days=1),
        now + timedelta(days=9),
    )
    assert rounds == 0 and in_east.asked == 0, "East Lane's numbers have none of it"


async def test_deleting_ones_data_erases_the_comment_and_keeps_the_taps_anonymous(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(WEDNESDAY)
    people = await _cast(session, clock)
    await surveys.set_survey(session, SETTINGS, people["lin"], MONTHLY, now=clock.now())
    [started] = await surveys.start_due_rounds(session, SETTINGS, TENTH_AT_TEN)
    mei = people["mei"]
    invite_id = next(a.invite.id for a in started.asked if a.person.id == mei.id)
    for step, value in enumerate((4, 2, 3)):
        await surveys.answer(session, mei, invite_id, step, value, now=TENTH_AT_TEN)
    await surveys.comment(
        session, mei, invite_id, text="My neighbour Wang drinks", now=TENTH_AT_TEN
    )
    await session.commit()

    await erasure.erase_traces(session, mei, clock=clock)
    await session.commit()
    invite = await session.get(SurveyInvite, invite_id)
    await session.refresh(invite)
    assert invite is not None and invite.user_id is None and invite.comment is None
    taps = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    assert taps == 3 and invite.answered_at is not None


async def test_a_residents_questions_wait_for_the_end_of_her_communitys_quiet_hours(
    session: AsyncSession, clock: ManualClock
) -> None:
    """East Lane keeps quiet until 11:00: a round at 10:00 reaches its residents at 11:00, and
    its volunteers (who keep no quiet hours) at once."""
    clock.set(WEDNESDAY)
    quiet = await add_community(
        session, name="Quiet Court", slug="quiet", quiet_hours="21:00-11:00", clock=clock
    )
    wu = await make_person(session, clock, 11, UserRole.COORDINATOR, community_id=quiet.id)
    ann = await make_person(session, clock, 12, UserRole.RESIDENT, community_id=quiet.id)
    kai = await make_person(session, clock, 13, UserRole.VOLUNTEER, community_id=quiet.id)
    await session.commit()
    both = SurveyPlan(
        SurveyAudience.BOTH, surveys.default_questions(SurveyAudience.BOTH), 1, 10, 10
    )
    await surveys.set_survey(session, SETTINGS, wu, both, now=clock.now())
    await session.commit()
    clock.set(TENTH_AT_TEN)
    notifier = Notifier(session, SETTINGS, clock, create_i18n("en"))
    assert await jobs.run_surveys(notifier) == 2
    rows = {
        row.user_id: row.not_before
        for row in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "survey")
        )
    }
    assert rows[ann.id] == datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    assert rows[kai.id] in (None, TENTH_AT_TEN)  # at once
    assert await jobs.run_surveys(notifier) == 0, "not twice"
