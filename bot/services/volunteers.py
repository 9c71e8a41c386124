"""Volunteers: what they offer, a coordinator's approval, and their hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.policy.permissions import Action, holds_coordinator_role, is_coordinator, require
from bot.services.errors import NotAllowed, VolunteerNotApproved
from storage.models import RequestCategory, User, VolunteerProfile, VolunteerStatus
from storage.repositories import audit
from storage.repositories import requests as request_queries
from storage.repositories import users as user_queries
from storage.repositories import visits as visit_queries

VOLUNTEER_LANGUAGES = ("mandarin", "cantonese", "english", "dialect")
"""Spoken languages a volunteer can offer (not the bot's interface language)."""


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
) -> tuple[User, VolunteerProfile]:
    """A coordinator approves or declines a volunteer; a second decision by someone else on a
    profile already decided is refused, so two coordinators cannot contradict each other."""
    require(coordinator, Action.APPROVE_VOLUNTEERS)
    profile = await request_queries.volunteer_profile(session, volunteer_id)
    volunteer = await user_queries.get_by_id(session, volunteer_id)
    if profile is None or volunteer is None or volunteer.deleted_at is not None:
        raise NotAllowed()
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
