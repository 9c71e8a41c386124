"""Volunteers: what they offer, a coordinator's approval, the further communities they serve,
and their hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, holds_coordinator_role, is_coordinator, require
from bot.services import communities
from bot.services.errors import NotAllowed, OutsideCommunity, VolunteerNotApproved
from storage.models import (
    Community,
    RequestCategory,
    User,
    VolunteerProfile,
    VolunteerStatus,
)
from storage.repositories import audit
from storage.repositories import communities as community_queries
from storage.repositories import requests as request_queries
from storage.repositories import users as user_queries
from storage.repositories import visits as visit_queries

VOLUNTEER_LANGUAGES = ("mandarin", "cantonese", "english", "dialect")
"""Spoken languages a volunteer can offer (not the bot's interface language)."""


async def within(
    session: AsyncSession, settings: Settings | None, person: User, community_id: int | None
) -> None:
    """`communities.require_within`, said as `OutsideCommunity`: the handlers answer it as a
    stale button, not as "only coordinators"."""
    try:
        await communities.require_within(session, settings, person, community_id)
    except NotAllowed:
        raise OutsideCommunity() from None


async def register_volunteer(
    session: AsyncSession,
    user: User,
    *,
    skills: list[str],
    languages: list[str],
    clock: Clock,
    approved_by: User | None = None,
) -> VolunteerProfile:
    """Record what a volunteer offers. They wait for a coordinator, unless they came with a
    coordinator's invite (`approved_by`), which is an approval given in advance."""
    now = clock.now()
    valid_skills = [skill for skill in skills if skill in set(RequestCategory)]
    valid_languages = [lang for lang in languages if lang in VOLUNTEER_LANGUAGES]
    profile = await request_queries.volunteer_profile(session, user.id)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id, submitted_at=now)
        session.add(profile)
    profile.skills = valid_skills
    profile.languages = valid_languages
    profile.submitted_at = now
    if approved_by is not None or holds_coordinator_role(user):
        profile.status = VolunteerStatus.APPROVED
        profile.decided_at = now
        profile.decided_by_id = approved_by.id if approved_by else user.id
    elif profile.status is not VolunteerStatus.APPROVED:
        profile.status = VolunteerStatus.PENDING
    await session.flush()
    return profile


async def decide_volunteer(
    session: AsyncSession,
    coordinator: User,
    volunteer_id: int,
    *,
    approve: bool,
    clock: Clock,
    settings: Settings | None = None,
) -> tuple[User, VolunteerProfile]:
    """A coordinator approves or declines a volunteer; a second decision by someone else on a
    profile already decided is refused, so two coordinators cannot contradict each other. Only
    a coordinator of the volunteer's community decides."""
    require(coordinator, Action.APPROVE_VOLUNTEERS)
    profile = await request_queries.volunteer_profile(session, volunteer_id)
    volunteer = await user_queries.get_by_id(session, volunteer_id)
    if profile is None or volunteer is None or volunteer.deleted_at is not None:
        raise NotAllowed()
    await within(session, settings, coordinator, volunteer.community_id)
    if profile.status is not VolunteerStatus.PENDING:
        raise VolunteerNotApproved()  # already decided: the handler shows the decision
    now = clock.now()
    profile.status = VolunteerStatus.APPROVED if approve else VolunteerStatus.DECLINED
    profile.decided_at = now
    profile.decided_by_id = coordinator.id
    audit.record(
        session,
        at=now,
        action="volunteer.approved" if approve else "volunteer.declined",
        actor_id=coordinator.id,
        subject_id=volunteer.id,
    )
    await session.flush()
    return volunteer, profile


WAITING_SHOWN = 10
"""Cards /volunteers brings at once: each is a message with its buttons."""


async def waiting_volunteers(
    session: AsyncSession, coordinator: User, *, settings: Settings | None = None
) -> tuple[list[tuple[User, VolunteerProfile]], int]:
    """The volunteers of the coordinator's communities who wait for a decision (the longest
    waiting first, at most WAITING_SHOWN), and how many wait in all: the cards in the group
    scroll away, this list does not."""
    require(coordinator, Action.APPROVE_VOLUNTEERS)
    scope = await communities.scope_of(session, settings, coordinator)
    return await request_queries.waiting_volunteers(session, communities=scope, limit=WAITING_SHOWN)


async def approved_volunteer(session: AsyncSession, user: User | None) -> User:
    """The user, if they are a volunteer (or coordinator) approved to see and claim tasks."""
    user = require(user, Action.SEE_TASKS)
    profile = await request_queries.volunteer_profile(session, user.id)
    if is_coordinator(user) and profile is None:
        return user
    if profile is None or profile.status is not VolunteerStatus.APPROVED:
        raise VolunteerNotApproved()
    return user


async def volunteer_status(session: AsyncSession, user: User) -> VolunteerStatus | None:
    profile = await request_queries.volunteer_profile(session, user.id)
    return profile.status if profile else None


async def hours_of(session: AsyncSession, volunteer: User, *, clock: Clock) -> tuple[int, int]:
    """Minutes helped this month (in the volunteer's timezone) and in total: finished requests
    and logged paired visits and calls."""
    local_now = clock.now().astimezone(ZoneInfo(volunteer.timezone))
    month_start = datetime(local_now.year, local_now.month, 1, tzinfo=local_now.tzinfo)
    this_month = await request_queries.minutes_done(session, volunteer.id, since=month_start)
    this_month += await visit_queries.minutes_logged(session, volunteer.id, since=month_start)
    total = await request_queries.minutes_done(session, volunteer.id)
    total += await visit_queries.minutes_logged(session, volunteer.id)
    return this_month, total


async def registration_of(
    session: AsyncSession, volunteer_id: int
) -> tuple[VolunteerProfile, User | None] | None:
    """A volunteer's profile and the coordinator who decided on it (to show a decision already
    made when a stale approve/decline button is pressed)."""
    profile = await request_queries.volunteer_profile(session, volunteer_id)
    if profile is None:
        return None
    decider = (
        await user_queries.get_by_id(session, profile.decided_by_id)
        if profile.decided_by_id
        else None
    )
    return profile, decider


# serving a further community

SERVE_ASKED = "volunteer.serve_asked"
SERVE_APPROVED = "volunteer.serve_approved"
SERVE_DECLINED = "volunteer.serve_declined"


async def _serving_volunteer(session: AsyncSession, user: User | None) -> User:
    """An approved volunteer (a coordinator acts for their own node and asks nobody)."""
    user = await approved_volunteer(session, user)
    if is_coordinator(user):
        raise NotAllowed()
    return user


async def communities_to_serve(
    session: AsyncSession, settings: Settings, volunteer: User | None
) -> tuple[list[Community], int]:
    """The communities a volunteer does not serve yet, by name, and how many there are."""
    volunteer = await _serving_volunteer(session, volunteer)
    serves = await communities.scope_of(session, settings, volunteer)
    every = (await communities.tree(session, settings)).communities
    return [row for row in every if row.id not in serves], len(every)


async def ask_to_serve(
    session: AsyncSession,
    settings: Settings,
    volunteer: User | None,
    community_id: int,
    *,
    clock: Clock,
) -> Community:
    """A volunteer asks to serve one more community: written down (the coordinators' card
    is answered against it), for that community's coordinators to approve."""
    offered, _ = await communities_to_serve(session, settings, volunteer)
    community = next((row for row in offered if row.id == community_id), None)
    if community is None or volunteer is None:
        raise OutsideCommunity()
    if await _serve_asked(session, volunteer.id, community.id):
        return community  # a double tap: asked once
    audit.record(
        session,
        at=clock.now(),
        action=SERVE_ASKED,
        actor_id=volunteer.id,
        subject_id=volunteer.id,
        detail={"community_id": community.id},
    )
    await session.flush()
    return community


async def _serve_asked(session: AsyncSession, volunteer_id: int, community_id: int) -> bool:
    """The volunteer's last word about the community is an ask nobody has answered yet."""
    events = [
        event
        for event in await audit.for_subject(session, volunteer_id)
        if event.action in (SERVE_ASKED, SERVE_APPROVED, SERVE_DECLINED)
        and (event.detail or {}).get("community_id") == community_id
    ]
    return bool(events) and events[-1].action == SERVE_ASKED


async def decide_serving(
    session: AsyncSession,
    settings: Settings,
    coordinator: User | None,
    volunteer_id: int,
    community_id: int,
    *,
    approve: bool,
    clock: Clock,
) -> tuple[User, Community]:
    """A coordinator of the community approves or declines a volunteer's ask to serve it. A
    coordinator of another community is `NotAllowed`; an ask answered already (or never made)
    is `VolunteerNotApproved`, so two coordinators cannot contradict each other."""
    coordinator = require(coordinator, Action.APPROVE_VOLUNTEERS)
    await within(session, settings, coordinator, community_id)
    volunteer = await user_queries.get_by_id(session, volunteer_id)
    community = (await communities.tree(session, settings)).get(community_id)
    if volunteer is None or volunteer.deleted_at is not None or community is None:
        raise NotAllowed()
    if not await _serve_asked(session, volunteer.id, community_id):
        raise VolunteerNotApproved()
    now = clock.now()
    if approve:
        await community_queries.add_served(
            session, volunteer.id, community_id, by_id=coordinator.id, at=now
        )
        communities.forget_tree(session)  # their scope has grown
    audit.record(
        session,
        at=now,
        action=SERVE_APPROVED if approve else SERVE_DECLINED,
        actor_id=coordinator.id,
        subject_id=volunteer.id,
        detail={"community_id": community_id},
    )
    await session.flush()
    return volunteer, community


async def serves(
    session: AsyncSession, settings: Settings, volunteer_id: int, community_id: int
) -> bool:
    """Whether the volunteer serves the community now (to show a decision made already)."""
    volunteer = await user_queries.get_by_id(session, volunteer_id)
    return community_id in await communities.scope_of(session, settings, volunteer)
