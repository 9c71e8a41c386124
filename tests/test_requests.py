"""Rules of help requests, without Telegram: the transitions, who may do what, the claim race."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.services import claims, requests, review, volunteers
from bot.services.communities import add_community
from bot.services.emergency import looks_like_emergency
from bot.services.errors import (
    DayOutOfRange,
    DescriptionEmpty,
    InvalidTransition,
    NotAllowed,
    NotYourTask,
    OutsideCommunity,
    RequestChanged,
    RequestNotFound,
    TaskTaken,
    TaskUnavailable,
    TooManyClaims,
    VolunteerNotApproved,
)
from bot.services.requests import RequestDraft
from bot.services.slots import compute_slot
from storage.models import (
    AuditEvent,
    DayPart,
    RequestCategory,
    RequestStatus,
    RequestTiming,
    User,
    UserRole,
)
from storage.repositories import requests as request_queries
from tests.people import make_person

# On PostgreSQL too: the claim race and the queries of the request rules.
pytestmark = pytest.mark.postgresql

SHOPPING = RequestDraft(category=RequestCategory.SHOPPING, description="Rice and eggs, please")


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[User, User, User]:
    resident = await make_person(
        session, clock, 1, UserRole.RESIDENT, name="Mei", phone="13800138000", address="Flat 3B"
    )
    coordinator = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    volunteer = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao Wang")
    return resident, coordinator, volunteer


async def _open_request(session: AsyncSession, clock: ManualClock) -> tuple[int, User, User, User]:
    resident, coordinator, volunteer = await _cast(session, clock)
    request = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    await review.approve_request(session, coordinator, request.id, request.version, clock=clock)
    return request.id, resident, coordinator, volunteer


async def test_a_request_walks_from_asked_to_rated(
    session: AsyncSession, clock: ManualClock
) -> None:
    request_id, resident, _, volunteer = await _open_request(session, clock)
    task = await claims.claim_task(session, volunteer, request_id, clock=clock, max_open_claims=3)
    assert task.resident.phone == "13800138000"
    assert task.request.address == "Flat 3B"
    await claims.start_task(session, volunteer, request_id, clock=clock)
    clock.advance(timedelta(hours=1))
    done = await claims.complete_task(session, volunteer, request_id, 45, clock=clock)
    assert done.status is RequestStatus.DONE
    rated = await requests.rate_request(session, resident, request_id, 2, clock=clock)
    assert requests.needs_coordinator_attention(rated)

    history = await request_queries.events_of(session, request_id)
    assert [(e.action, e.to_status) for e in history] == [
        ("created", RequestStatus.PENDING),
        ("approved", RequestStatus.OPEN),
        ("claimed", RequestStatus.CLAIMED),
        ("started", RequestStatus.IN_PROGRESS),
        ("done", RequestStatus.DONE),
        ("rated", RequestStatus.DONE),
    ]
    assert {e.actor_id for e in history[2:5]} == {volunteer.id}
    assert await volunteers.hours_of(session, volunteer, clock=clock) == (45, 45)


async def test_finished_requests_cannot_move(session: AsyncSession, clock: ManualClock) -> None:
    request_id, resident, coordinator, _ = await _open_request(session, clock)
    await requests.cancel_request(session, resident, request_id, clock=clock)
    request = await request_queries.get(session, request_id)
    assert request is not None
    with pytest.raises(InvalidTransition):
        await review.approve_request(session, coordinator, request_id, request.version, clock=clock)
    with pytest.raises(InvalidTransition):
        await requests.cancel_request(session, resident, request_id, clock=clock)


async def test_a_stale_button_is_refused(session: AsyncSession, clock: ManualClock) -> None:
    resident, coordinator, _ = await _cast(session, clock)
    request = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    seen = request.version
    await review.set_urgency(session, coordinator, request.id, seen, True, clock=clock)
    with pytest.raises(RequestChanged):
        await review.approve_request(session, coordinator, request.id, seen, clock=clock)


async def test_buttons_are_checked_against_the_presser(
    session: AsyncSession, clock: ManualClock
) -> None:
    request_id, resident, _, volunteer = await _open_request(session, clock)
    stranger = await make_person(session, clock, 9, UserRole.RESIDENT, name="Bo")
    waiting = await make_person(session, clock, 10, UserRole.VOLUNTEER, approved=False)
    request = await request_queries.get(session, request_id)
    assert request is not None

    with pytest.raises(NotAllowed):  # a resident pressing a coordinator's button
        await review.reject_request(
            session, stranger, request_id, request.version, "x", clock=clock
        )
    with pytest.raises(NotAllowed):  # a volunteer too
        await review.approve_request(session, volunteer, request_id, request.version, clock=clock)
    with pytest.raises(RequestNotFound):  # someone else's request
        await requests.cancel_request(session, stranger, request_id, clock=clock)
    with pytest.raises(VolunteerNotApproved):
        await claims.claim_task(session, waiting, request_id, clock=clock, max_open_claims=3)
    with pytest.raises(NotAllowed):
        await claims.claim_task(session, resident, request_id, clock=clock, max_open_claims=3)

    await claims.claim_task(
        session, volunteer, request_id, clock=clock, max_open_claims=3, claimed_from="post 1"
    )
    other = await make_person(session, clock, 11, UserRole.VOLUNTEER, name="Kai")
    with pytest.raises(NotYourTask):
        await claims.complete_task(session, other, request_id, 30, clock=clock)
    with pytest.raises(TaskTaken) as lost:  # says where the winner pressed
        await claims.claim_task(session, other, request_id, clock=clock, max_open_claims=3)
    assert lost.value.claimed_from == "post 1"


async def test_unapproved_and_cancelled_tasks_cannot_be_claimed(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, _, volunteer = await _cast(session, clock)
    pending = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    with pytest.raises(TaskUnavailable):
        await claims.claim_task(session, volunteer, pending.id, clock=clock, max_open_claims=3)
    await requests.cancel_request(session, resident, pending.id, clock=clock)
    with pytest.raises(TaskUnavailable):
        await claims.claim_task(session, volunteer, pending.id, clock=clock, max_open_claims=3)


async def test_a_volunteer_holds_at_most_the_limit(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, coordinator, volunteer = await _cast(session, clock)
    ids = []
    for _ in range(3):
        request = await requests.submit_request(session, resident, SHOPPING, clock=clock)
        await review.approve_request(session, coordinator, request.id, request.version, clock=clock)
        ids.append(request.id)
    for request_id in ids[:2]:
        await claims.claim_task(session, volunteer, request_id, clock=clock, max_open_claims=2)
    with pytest.raises(TooManyClaims):
        await claims.claim_task(session, volunteer, ids[2], clock=clock, max_open_claims=2)
    await claims.release_task(session, volunteer, ids[0], clock=clock)
    released = await request_queries.get(session, ids[0])
    assert released is not None
    assert released.status is RequestStatus.OPEN
    assert released.volunteer_id is None
    await claims.claim_task(session, volunteer, ids[2], clock=clock, max_open_claims=2)


async def test_fifty_volunteers_tap_claim_at_once_and_one_wins(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        request_id, _, _, _ = await _open_request(session, clock)
        crowd = [
            (await make_person(session, clock, 1000 + n, UserRole.VOLUNTEER, name=f"V{n}")).id
            for n in range(50)
        ]
        await session.commit()

    async def tap(volunteer_id: int) -> str:
        async with session_factory() as session:
            volunteer = await session.get(User, volunteer_id)
            try:
                await claims.claim_task(
                    session, volunteer, request_id, clock=clock, max_open_claims=3
                )
            except TaskTaken:
                await session.rollback()
                return "taken"
            await session.commit()
            return "won"

    outcomes = await asyncio.gather(*(tap(volunteer_id) for volunteer_id in crowd))
    assert outcomes.count("won") == 1
    assert outcomes.count("taken") == 49
    async with session_factory() as session:
        reveals = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "request.reveal")
        )
        assert reveals == 1
        request = await request_queries.get(session, request_id)
        assert request is not None
        assert request.volunteer_id == crowd[outcomes.index("won")]


async def test_coordinator_assigns_and_reassigns(session: AsyncSession, clock: ManualClock) -> None:
    resident, coordinator, volunteer = await _cast(session, clock)
    other = await make_person(session, clock, 12, UserRole.VOLUNTEER, name="Kai")
    request = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    _, previous = await review.assign_request(
        session, coordinator, request.id, request.version, volunteer.id, clock=clock
    )
    assert previous is None
    assert request.status is RequestStatus.CLAIMED
    _, previous = await review.assign_request(
        session, coordinator, request.id, request.version, other.id, clock=clock
    )
    assert previous == volunteer.id
    assert request.volunteer_id == other.id
    await review.unassign_request(session, coordinator, request.id, request.version, clock=clock)
    assert request.status is RequestStatus.OPEN


async def test_duplicate_only_of_the_same_residents_live_request(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, coordinator, _ = await _cast(session, clock)
    stranger = await make_person(session, clock, 13, UserRole.RESIDENT, name="Bo")
    first = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    second = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    theirs = await requests.submit_request(session, stranger, SHOPPING, clock=clock)
    with pytest.raises(RequestNotFound):
        await review.mark_duplicate(
            session, coordinator, second.id, second.version, theirs.id, clock=clock
        )
    await review.mark_duplicate(
        session, coordinator, second.id, second.version, first.id, clock=clock
    )
    assert second.status is RequestStatus.DUPLICATE
    assert second.duplicate_of_id == first.id


async def test_waiting_requests_are_flagged_once(session: AsyncSession, clock: ManualClock) -> None:
    resident, coordinator, volunteer = await _cast(session, clock)
    normal = await requests.submit_request(session, resident, SHOPPING, clock=clock)
    urgent_draft = RequestDraft(category=RequestCategory.OTHER, description="x", urgent=True)
    urgent = await requests.submit_request(session, resident, urgent_draft, clock=clock)
    limits = {
        "unclaimed_after": timedelta(hours=4),
        "urgent_unclaimed_after": timedelta(minutes=30),
        "overdue_after": timedelta(hours=6),
    }
    clock.advance(timedelta(minutes=31))
    unclaimed, _ = await review.flag_waiting_requests(session, clock=clock, **limits)
    assert [r.id for r in unclaimed] == [urgent.id]
    clock.advance(timedelta(hours=4))
    unclaimed, _ = await review.flag_waiting_requests(session, clock=clock, **limits)
    assert [r.id for r in unclaimed] == [normal.id]

    await review.assign_request(
        session, coordinator, normal.id, normal.version, volunteer.id, clock=clock
    )
    clock.advance(timedelta(hours=11))  # the ASAP window (4 h) plus 6 h has passed
    _, overdue = await review.flag_waiting_requests(session, clock=clock, **limits)
    assert [r.id for r in overdue] == [normal.id]
    assert await review.flag_waiting_requests(session, clock=clock, **limits) == ([], [])


async def test_nothing_to_do_is_not_a_request(session: AsyncSession, clock: ManualClock) -> None:
    resident, _, _ = await _cast(session, clock)
    with pytest.raises(DescriptionEmpty):
        await requests.submit_request(
            session, resident, RequestDraft(category=RequestCategory.OTHER, description=" \n "),
            clock=clock,
        )  # fmt: skip
    voice = RequestDraft(category=RequestCategory.OTHER, voice_file_id="voice-1")
    assert (await requests.submit_request(session, resident, voice, clock=clock)).voice_file_id


@pytest.mark.parametrize(
    "text",
    [
        # English
        "I fell in the bathroom", "chest pain since morning", "I can't breathe", "help me",
        "Help!", "Please help me", "My husband fell and can't get up", "there's a fire in the "
        "kitchen", "I smell gas", "she collapsed", "call an ambulance",
        # Simplified Chinese
        "我摔倒了，救命", "救命", "我摔倒了起不来", "跌倒了", "喘不上气", "胸口痛", "厨房着火了",
        "煤气泄漏了", "他晕倒了", "帮帮我！",
        # Traditional Chinese, and Cantonese as typed in Hong Kong
        "喘不過氣", "著火了", "救命呀", "我跌親咗，起唔到身", "唞唔到氣", "火燭呀", "佢暈低咗",
        "快啲叫白車",
    ],
)  # fmt: skip
def test_emergencies_are_recognised(text: str) -> None:
    assert looks_like_emergency(text)


@pytest.mark.parametrize(
    "text",
    [
        "Please buy rice", "帮我买菜", "幫我買餸", "Fix the fireplace screen", "", "❓ Help",
        "🙋 I need help", "Can you help me with my shopping?", "I fell asleep on the sofa",
        "My emergency contact is my son", "帮我换煤气罐", "手机摔了", "不紧急，下周都可以",
        "/help", "Fire safety talk on Friday",
    ],
)  # fmt: skip
def test_everyday_requests_are_not_emergencies(text: str) -> None:
    assert not looks_like_emergency(text)


def test_slots_follow_the_residents_day() -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    slot = compute_slot(
        RequestTiming.TOMORROW, now=now, timezone="Asia/Shanghai", day_part=DayPart.AFTERNOON
    )
    assert slot.slot_date == date(2026, 3, 3)
    assert slot.start == datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 12:00 local
    assert slot.end == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    with pytest.raises(DayOutOfRange):
        compute_slot(RequestTiming.DAY, now=now, timezone="Asia/Shanghai", day=date(2026, 3, 1))


async def test_another_community_s_task_is_refused_whoever_calls(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The community rule has no way around it: a caller that passes no settings (the demo,
    a job) still cannot have a volunteer claim, or a coordinator approve or assign, a request
    of a community they do not act in."""
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    request_id, _, _, volunteer = await _open_request(session, clock)
    outsider = await make_person(
        session, clock, 9, UserRole.VOLUNTEER, name="Ena", community_id=east.id
    )
    east_coordinator = await make_person(
        session, clock, 10, UserRole.COORDINATOR, name="Emma", community_id=east.id
    )
    request = await request_queries.get(session, request_id)
    assert request is not None
    with pytest.raises(OutsideCommunity):
        await claims.claim_task(session, outsider, request_id, clock=clock, max_open_claims=3)
    with pytest.raises(OutsideCommunity):
        await review.assign_request(
            session, east_coordinator, request_id, request.version, volunteer.id, clock=clock
        )
    request = await request_queries.get(session, request_id)
    assert request is not None and request.status is RequestStatus.OPEN
    assert request.volunteer_id is None
