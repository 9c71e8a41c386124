"""Queries about surveys: a node's setting, the rounds due to start or close (each claimed by a
conditional UPDATE, so two processes never send or report one twice), the people asked, their
taps, and the figures of rounds for /numbers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyInvite,
    SurveyRound,
    User,
    UserRole,
    VolunteerProfile,
    VolunteerStatus,
)


async def survey_of(session: AsyncSession, community_id: int) -> Survey | None:
    return await session.scalar(select(Survey).where(Survey.community_id == community_id))


async def save_survey(
    session: AsyncSession,
    community_id: int,
    *,
    audience: SurveyAudience,
    questions: list[str],
    every_months: int,
    day: int,
    hour: int,
    next_due_at: datetime,
    by: int | None,
    at: datetime,
) -> Survey:
    row = await survey_of(session, community_id)
    if row is None:
        row = Survey(community_id=community_id, day=day, hour=hour, set_at=at)
        session.add(row)
    row.audience, row.questions, row.every_months = audience, list(questions), every_months
    row.day, row.hour, row.next_due_at, row.set_by_id, row.set_at = day, hour, next_due_at, by, at
    await session.flush()
    return row


async def stop_survey(session: AsyncSession, community_id: int) -> bool:
    row = await survey_of(session, community_id)
    if row is None or row.next_due_at is None:
        return False
    row.next_due_at = None
    await session.flush()
    return True


async def due_surveys(session: AsyncSession, now: datetime, limit: int) -> Sequence[Survey]:
    rows = await session.scalars(
        select(Survey)
        .where(Survey.next_due_at.is_not(None), Survey.next_due_at <= now)
        .order_by(Survey.next_due_at)
        .limit(limit)
    )
    return rows.all()


async def claim_survey(
    session: AsyncSession, survey_id: int, due_at: datetime, next_due_at: datetime
) -> bool:
    """Move a due survey on to its next time if it is still due at `due_at`: whoever moves it
    sends the round (another process that read the same row sends nothing)."""
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.next_due_at == due_at)
        .values(next_due_at=next_due_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def people_to_ask(
    session: AsyncSession, communities: Collection[int], roles: Collection[UserRole]
) -> list[User]:
    """Registered residents and approved volunteers of these communities who can be reached."""
    approved = select(VolunteerProfile.user_id).where(
        VolunteerProfile.status == VolunteerStatus.APPROVED
    )
    rows = await session.scalars(
        select(User)
        .where(
            User.community_id.in_(list(communities)),
            User.role.in_(list(roles)),
            User.onboarded_at.is_not(None),
            User.deleted_at.is_(None),
            User.telegram_id.is_not(None),
            (User.role != UserRole.VOLUNTEER) | User.id.in_(approved),
        )
        .order_by(User.id)
    )
    return list(rows)


async def add_round(
    session: AsyncSession, survey: Survey, *, due_at: datetime, at: datetime, closes_at: datetime
) -> SurveyRound:
    row = SurveyRound(
        survey_id=survey.id, community_id=survey.community_id, due_at=due_at, started_at=at,
        closes_at=closes_at,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def add_invite(
    session: AsyncSession, round_id: int, person: User, questions: list[str]
) -> SurveyInvite:
    row = SurveyInvite(
        round_id=round_id, user_id=person.id, community_id=person.community_id,
        questions=questions, step=0,
    )  # fmt: skip
    session.add(row)
    return row


async def invite(session: AsyncSession, invite_id: int) -> SurveyInvite | None:
    return await session.get(SurveyInvite, invite_id)


async def round_of(session: AsyncSession, round_id: int) -> SurveyRound | None:
    return await session.get(SurveyRound, round_id)


async def move_step(
    session: AsyncSession, invite_id: int, step: int, *, last: bool, at: datetime
) -> bool:
    """The invite's awaited question moves from `step` to the next, once: a double tap or an
    old button finds it moved."""
    values: dict[str, object] = {"step": step + 1}
    if last:
        values["answered_at"] = at
    result = await session.execute(
        update(SurveyInvite)
        .where(SurveyInvite.id == invite_id, SurveyInvite.step == step)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def add_answer(
    session: AsyncSession, invite: SurveyInvite, question: str, value: int, at: datetime
) -> None:
    session.add(
        SurveyAnswer(
            round_id=invite.round_id, invite_id=invite.id, question=question, value=value,
            answered_at=at,
        )
    )  # fmt: skip
    await session.flush()


async def awaiting_invite(session: AsyncSession, user_id: int) -> SurveyInvite | None:
    """The person's latest invite of a round still open with a question not answered yet."""
    return await session.scalar(
        select(SurveyInvite)
        .join(SurveyRound, SurveyRound.id == SurveyInvite.round_id)
        .where(
            SurveyInvite.user_id == user_id,
            SurveyInvite.answered_at.is_(None),
            SurveyRound.closed_at.is_(None),
        )
        .order_by(SurveyInvite.id.desc())
        .limit(1)
    )


async def set_comment(
    session: AsyncSession, invite_id: int, *, text: str | None, voice: str | None, at: datetime
) -> bool:
    """The comment, once (a second one finds it set)."""
    result = await session.execute(
        update(SurveyInvite)
        .where(SurveyInvite.id == invite_id, SurveyInvite.commented_at.is_(None))
        .values(comment=text, comment_voice_file_id=voice, commented_at=at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def rounds_to_close(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[SurveyRound]:
    rows = await session.scalars(
        select(SurveyRound)
        .where(SurveyRound.closed_at.is_(None), SurveyRound.closes_at <= now)
        .order_by(SurveyRound.closes_at)
        .limit(limit)
    )
    return rows.all()


async def claim_close(session: AsyncSession, round_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(SurveyRound)
        .where(SurveyRound.id == round_id, SurveyRound.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def round_figures(
    session: AsyncSession, round_ids: Collection[int], communities: Collection[int] | None = None
) -> tuple[int, int, list[tuple[str, int, float]]]:
    """(asked, answered every question, [(question, taps, mean)]) of some rounds, counting only
    the people of `communities` when given."""
    where = [SurveyInvite.round_id.in_(list(round_ids))]
    if communities is not None:
        where.append(SurveyInvite.community_id.in_(list(communities)))
    row = (
        await session.execute(
            select(func.count(), func.count(SurveyInvite.answered_at)).where(*where)
        )
    ).one()
    taps = await session.execute(
        select(SurveyAnswer.question, func.count(), func.avg(SurveyAnswer.value))
        .join(SurveyInvite, SurveyInvite.id == SurveyAnswer.invite_id)
        .where(*where)
        .group_by(SurveyAnswer.question)
    )
    return (
        int(row[0]),
        int(row[1]),
        [(str(question), int(count), float(mean)) for question, count, mean in taps.all()],
    )


async def rounds_started(
    session: AsyncSession, communities: Collection[int], start: datetime, end: datetime
) -> list[int]:
    """The rounds that asked someone of these communities, started in the range."""
    rows = await session.scalars(
        select(SurveyRound.id)
        .where(
            SurveyRound.started_at >= start,
            SurveyRound.started_at < end,
            SurveyRound.id.in_(
                select(SurveyInvite.round_id).where(
                    SurveyInvite.community_id.in_(list(communities))
                )
            ),
        )
        .order_by(SurveyRound.id)
    )
    return list(rows)


async def comments_of_round(session: AsyncSession, round_id: int) -> tuple[list[str], list[str]]:
    """The words and the voice messages (file ids) left in a round, oldest first."""
    rows = await session.execute(
        select(SurveyInvite.comment, SurveyInvite.comment_voice_file_id)
        .where(SurveyInvite.round_id == round_id, SurveyInvite.commented_at.is_not(None))
        .order_by(SurveyInvite.commented_at)
    )
    found = rows.all()
    return [text for text, _voice in found if text], [voice for _t, voice in found if voice]


async def erase_of(session: AsyncSession, user_id: int) -> None:
    """Their comments go; their taps stay, no longer theirs."""
    await session.execute(
        update(SurveyInvite)
        .where(SurveyInvite.user_id == user_id)
        .values(comment=None, comment_voice_file_id=None, user_id=None)
        .execution_options(synchronize_session=False)
    )
