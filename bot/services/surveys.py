"""Service evaluation (服务评估): a short survey a coordinator sets up for their community (a
street's or district's coordinator, for every community below them), sent on a schedule to
residents, volunteers or both, answered by taps in each person's language, closed after
ROUND_DAYS and reported to the coordinators.

The questions are a fixed set (their words are bot/views/surveys.py's): a coordinator picks
3 to 5 of those for each audience. Rounds are claimed by conditional UPDATEs
(storage/repositories/surveys.py), so two scheduler ticks at once send and report each once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    SurveyAnswered,
    SurveyNotFound,
    TextTooLong,
)
from storage.models import Survey, SurveyAudience, SurveyInvite, SurveyRound, User, UserRole
from storage.repositories import surveys as queries

ROUND_DAYS = 7  # a round is open for answers this long, then reported
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
SURVEY_HOURS = tuple(range(9, 20))  # sent in the day: an elder is not asked at night
SURVEY_DAYS = tuple(range(1, 29))  # every month has them
EVERY_MONTHS = (1, 3)
COMMENT_LIMIT = 1000


class Scale(StrEnum):
    FACES = "faces"  # 😞 1 … 5 😊
    AGREE = "agree"  # not really 1, a little 2, yes 3


TOP = {Scale.FACES: 5, Scale.AGREE: 3}


@dataclass(frozen=True)
class Question:
    key: str
    role: UserRole  # whom it is asked of
    scale: Scale


QUESTIONS: tuple[Question, ...] = (
    Question("satisfied", UserRole.RESIDENT, Scale.FACES),
    Question("safer", UserRole.RESIDENT, Scale.AGREE),
    Question("recommend", UserRole.RESIDENT, Scale.AGREE),
    Question("easy", UserRole.RESIDENT, Scale.AGREE),
    Question("supported", UserRole.VOLUNTEER, Scale.AGREE),
    Question("fulfilling", UserRole.VOLUNTEER, Scale.FACES),
    Question("fits", UserRole.VOLUNTEER, Scale.AGREE),
    Question("invite", UserRole.VOLUNTEER, Scale.AGREE),
)
BY_KEY = {question.key: question for question in QUESTIONS}

ROLES = {
    SurveyAudience.RESIDENTS: (UserRole.RESIDENT,),
    SurveyAudience.VOLUNTEERS: (UserRole.VOLUNTEER,),
    SurveyAudience.BOTH: (UserRole.RESIDENT, UserRole.VOLUNTEER),
}


def questions_for(audience: SurveyAudience) -> list[Question]:
    return [question for question in QUESTIONS if question.role in ROLES[audience]]


def default_questions(audience: SurveyAudience) -> list[str]:
    """The first three of each audience's questions."""
    found: list[str] = []
    for role in ROLES[audience]:
        found += [question.key for question in QUESTIONS if question.role is role][:3]
    return found


def valid_questions(audience: SurveyAudience, keys: list[str]) -> bool:
    """3 to 5 questions for each role asked, all from the set, none twice."""
    if len(set(keys)) != len(keys) or any(key not in BY_KEY for key in keys):
        return False
    for role in (UserRole.RESIDENT, UserRole.VOLUNTEER):
        count = sum(BY_KEY[key].role is role for key in keys)
        if role in ROLES[audience]:
            if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
                return False
        elif count:
            return False
    return True


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def next_round_at(day: int, hour: int, after: datetime, timezone: str) -> datetime:
    """The first `day` of a month at `hour`:00 local strictly after `after`."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    year, month = local.year, local.month
    for _ in range(3):
        moment = datetime.combine(local.date().replace(year=year, month=month, day=day),
                                  time(hour), zone).astimezone(UTC)  # fmt: skip
        if moment > after:
            return moment
        year, month = _add_months(year, month, 1)
    raise AssertionError("unreachable")


def following_round_at(survey: Survey, due: datetime, now: datetime, timezone: str) -> datetime:
    """`every_months` after the round due at `due` (never in the past: a bot that was down
    sends one round, not every one it missed)."""
    local = due.astimezone(ZoneInfo(timezone))
    year, month = _add_months(local.year, local.month, survey.every_months)
    moment = datetime.combine(local.date().replace(year=year, month=month, day=survey.day),
                              time(survey.hour), ZoneInfo(timezone)).astimezone(UTC)  # fmt: skip
    return moment if moment > now else next_round_at(survey.day, survey.hour, now, timezone)


# setting it up


def _node_of(person: User | None) -> User:
    coordinator = require(person, Action.SET_UP_SURVEY)
    if coordinator.community_id is None:
        raise NotAllowed()
    return coordinator


async def survey_setting(session: AsyncSession, person: User | None) -> Survey | None:
    return await queries.survey_of(session, _node_of(person).community_id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SurveyPlan:
    audience: SurveyAudience
    questions: list[str]
    every_months: int
    day: int
    hour: int


async def set_survey(
    session: AsyncSession, settings: Settings, person: User | None, plan: SurveyPlan, *,
    now: datetime,
) -> Survey:  # fmt: skip
    """The coordinator's node (their community, street or district) is surveyed from now on."""
    coordinator = _node_of(person)
    node = coordinator.community_id
    assert node is not None
    if (
        plan.every_months not in EVERY_MONTHS
        or plan.day not in SURVEY_DAYS
        or plan.hour not in SURVEY_HOURS
        or not valid_questions(plan.audience, plan.questions)
    ):
        raise InvalidInput()
    timezone = (await communities.tree(session, settings)).settings(node).timezone
    return await queries.save_survey(
        session, node, audience=plan.audience, questions=plan.questions,
        every_months=plan.every_months, day=plan.day, hour=plan.hour,
        next_due_at=next_round_at(plan.day, plan.hour, now, timezone), by=coordinator.id, at=now,
    )  # fmt: skip


async def stop_survey(session: AsyncSession, person: User | None) -> bool:
    return await queries.stop_survey(session, _node_of(person).community_id)  # type: ignore[arg-type]


# sending a round


@dataclass(frozen=True)
class Asked:
    person: User
    invite: SurveyInvite


@dataclass(frozen=True)
class StartedRound:
    round: SurveyRound
    asked: list[Asked]


async def start_due_rounds(
    session: AsyncSession, settings: Settings, now: datetime, limit: int = 20
) -> list[StartedRound]:
    """The surveys whose time has come, each claimed (moved on to its next time) and its round
    written with one invite per person asked. What another process claimed is skipped."""
    tree = await communities.tree(session, settings)
    started = []
    for survey in await queries.due_surveys(session, now, limit):
        due = survey.next_due_at
        assert due is not None
        timezone = tree.settings(survey.community_id).timezone
        following = following_round_at(survey, due, now, timezone)
        if not await queries.claim_survey(session, survey.id, due, following):
            continue
        round_ = await queries.add_round(
            session, survey, due_at=due, at=now, closes_at=now + timedelta(days=ROUND_DAYS)
        )
        ids = tree.below(survey.community_id)
        people = await queries.people_to_ask(session, ids, ROLES[survey.audience])
        asked = []
        for person in people:
            keys = [key for key in survey.questions if BY_KEY[key].role is person.role]
            asked.append(Asked(person, await queries.add_invite(session, round_.id, person, keys)))
        await session.flush()
        started.append(StartedRound(round_, asked))
    return started


# answering


@dataclass(frozen=True)
class Answered:
    invite: SurveyInvite
    next_question: Question | None  # None: that was the last


async def _own_invite(session: AsyncSession, person: User | None, invite_id: int) -> SurveyInvite:
    invite = await queries.invite(session, invite_id)
    if invite is None:
        raise SurveyNotFound()
    if person is None or invite.user_id != person.id:
        raise NotAllowed()
    round_ = await queries.round_of(session, invite.round_id)
    if round_ is None or round_.closed_at is not None:
        raise SurveyNotFound()
    return invite


async def answer(
    session: AsyncSession, person: User | None, invite_id: int, step: int, value: int, *,
    now: datetime,
) -> Answered:  # fmt: skip
    """One tap: the answer to the question awaited at `step`, once."""
    invite = await _own_invite(session, person, invite_id)
    if not 0 <= step < len(invite.questions):
        raise SurveyNotFound()
    question = BY_KEY[invite.questions[step]]
    if not 1 <= value <= TOP[question.scale]:
        raise InvalidInput()
    last = step == len(invite.questions) - 1
    moved = invite.step == step and await queries.move_step(
        session, invite.id, step, last=last, at=now
    )
    if not moved:
        raise SurveyAnswered()
    await queries.add_answer(session, invite, question.key, value, now)
    await session.refresh(invite)
    following = None if last else BY_KEY[invite.questions[step + 1]]
    return Answered(invite, following)


async def awaiting(session: AsyncSession, person: User | None) -> SurveyInvite | None:
    """A survey question the person was sent and has not answered (words typed instead of a
    tap get it again)."""
    if person is None:
        return None
    invite = await queries.awaiting_invite(session, person.id)
    return invite if invite is not None and invite.step < len(invite.questions) else None


def question_at(invite: SurveyInvite, step: int) -> Question:
    return BY_KEY[invite.questions[step]]


async def comment(
    session: AsyncSession, person: User | None, invite_id: int, *, text: str | None = None,
    voice_file_id: str | None = None, now: datetime,
) -> None:  # fmt: skip
    """The comment after the last question (words or a voice note), or none (`text` and
    `voice_file_id` both None): once."""
    invite = await _own_invite(session, person, invite_id)
    if invite.answered_at is None:
        raise SurveyNotFound()
    if text is not None:
        text = text.strip()
        if len(text) > COMMENT_LIMIT:
            raise TextTooLong(COMMENT_LIMIT)
        text = text or None
    if not await queries.set_comment(session, invite.id, text=text, voice=voice_file_id, at=now):
        raise SurveyAnswered()


# closing a round


@dataclass(frozen=True)
class Results:
    asked: int
    answered: int
    averages: list[tuple[Question, int, float]]  # in the order of the set
    comments: tuple[str, ...] = ()  # what people wrote: for the coordinators only
    voices: tuple[str, ...] = ()  # voice messages' file ids, passed on to the coordinators

    @property
    def rate(self) -> int:
        return round(100 * self.answered / self.asked) if self.asked else 0


def _results(
    asked: int, answered: int, taps: list[tuple[str, int, float]],
    comments: tuple[str, ...] = (), voices: tuple[str, ...] = (),
) -> Results:  # fmt: skip
    found = {key: (count, mean) for key, count, mean in taps}
    averages = [
        (question, found[question.key][0], round(found[question.key][1], 1))
        for question in QUESTIONS
        if question.key in found
    ]
    return Results(asked, answered, averages, comments, voices)


@dataclass(frozen=True)
class ClosedRound:
    round: SurveyRound
    results: Results


async def close_due_rounds(
    session: AsyncSession, now: datetime, limit: int = 20
) -> list[ClosedRound]:
    """Rounds past their time, each claimed once, with what came of them."""
    closed = []
    for round_ in await queries.rounds_to_close(session, now, limit):
        if not await queries.claim_close(session, round_.id, now):
            continue
        round_.closed_at = now  # as the UPDATE wrote it (the session's copy is not refreshed)
        asked, answered, taps = await queries.round_figures(session, [round_.id])
        texts, voices = await queries.comments_of_round(session, round_.id)
        results = _results(asked, answered, taps, tuple(texts), tuple(voices))
        closed.append(ClosedRound(round_, results))
    return closed


async def results_in(
    session: AsyncSession, ids: frozenset[int], start: datetime, end: datetime
) -> tuple[int, Results]:
    """For /numbers: how many rounds asked people of these communities in the range, and what
    those people answered."""
    rounds = await queries.rounds_started(session, ids, start, end)
    if not rounds:
        return 0, _results(0, 0, [])
    asked, answered, taps = await queries.round_figures(session, rounds, ids)
    return len(rounds), _results(asked, answered, taps)
