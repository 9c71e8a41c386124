"""What the community did this week or this month, counted from what linli already records:
for /numbers, its export and the weekly digest.

The figures are a list of measures (`MEASURES`), each one count function giving a `Measure`:
its rows (one sheet of the export) and its headline figures (the summary's words, the chart).
A later count (concerns raised and followed up, wishes lit) is one more function here, and one
more chart and summary line in bot/views/numbers.py: nothing else changes.

The communities are the person's scope (`communities.scope_of`): a street's or district's
coordinator counts every community below them, a community's coordinator only their own."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities, surveys
from bot.services.errors import InvalidInput, NotAllowed
from storage.models import NumbersDigest, User
from storage.repositories import numbers as queries

Cell = str | int | float | None


class PeriodKind(StrEnum):
    WEEK = "week"  # since Monday
    MONTH = "month"  # since the 1st
    PAST_WEEK = "past7"  # the seven days up to now: the weekly digest


@dataclass(frozen=True)
class Period:
    """A range of time in UTC, [start, end), and its first and last local days."""

    kind: PeriodKind
    start: datetime
    end: datetime
    first_day: date
    last_day: date
    timezone: str


def period_of(kind: PeriodKind, now: datetime, timezone: str) -> Period:
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    match kind:
        case PeriodKind.WEEK:
            first = today - timedelta(days=today.weekday())
        case PeriodKind.MONTH:
            first = today.replace(day=1)
        case PeriodKind.PAST_WEEK:
            first = today - timedelta(days=6)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    if kind is PeriodKind.PAST_WEEK:
        start = min(start, now - timedelta(days=7))
    end = now + timedelta(microseconds=1)  # what happened at this very moment counts too
    return Period(kind, start, end, first, today, timezone)


@dataclass(frozen=True)
class Measure:
    """One thing counted: `rows` under `columns` (keys the views translate; a cell may be a
    key too, such as a category), and the headline `figures` by name."""

    key: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    figures: dict[str, int | float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    period: Period
    community_ids: frozenset[int]
    community_names: list[str]
    measures: dict[str, Measure]


Count = Callable[[AsyncSession, Collection[int], Period], Awaitable[Measure]]


def _median_minutes(pairs: list[tuple[datetime, datetime]]) -> float | None:
    spans = [(later - earlier).total_seconds() / 60 for earlier, later in pairs if later]
    return round(statistics.median(spans), 1) if spans else None


async def count_requests(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    rows = await queries.requests_by_category_status(session, ids, period.start, period.end)
    rows.sort()
    by_status: dict[str, int] = defaultdict(int)
    for _category, status, count in rows:
        by_status[status] += count
    return Measure(
        "requests",
        ("category", "status", "count"),
        [(category, status, count) for category, status, count in rows],
        {"made": sum(count for *_rest, count in rows), "done": by_status.get("done", 0)},
    )


async def count_timing(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    claimed = await queries.claim_times(session, ids, period.start, period.end)
    done = await queries.done_requests(session, ids, period.start, period.end)
    to_claim = _median_minutes(claimed)
    to_done = _median_minutes([(made, finished) for made, finished, _minutes in done])
    return Measure(
        "timing",
        ("step", "count", "median_minutes"),
        [("claim", len(claimed), to_claim), ("done", len(done), to_done)],
        {"claimed": len(claimed), "to_claim": to_claim, "finished": len(done), "to_done": to_done},
    )


async def count_checkins(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    sent, answered, escalated = await queries.checkins_sent(session, ids, period.start, period.end)
    return Measure(
        "checkins",
        ("sent", "answered", "escalated"),
        [(sent, answered, escalated)],
        {"sent": sent, "answered": answered, "escalated": escalated},
    )


async def count_visits(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    """Visits and calls that took place, and the wellbeing their volunteers saw (0 very poor
    to 4 very well), day by day in the period's timezone."""
    zone = ZoneInfo(period.timezone)
    found = await queries.visits_done(session, ids, period.start, period.end)
    days: dict[date, list[int | None]] = defaultdict(list)
    for logged, wellbeing, _minutes in found:
        days[logged.astimezone(zone).date()].append(wellbeing)
    rows: list[tuple[Cell, ...]] = []
    for day in sorted(days):
        scores = [score for score in days[day] if score is not None]
        mean = round(statistics.fmean(scores), 2) if scores else None
        rows.append((day.isoformat(), len(days[day]), mean))
    scores = [score for _logged, score, _m in found if score is not None]
    return Measure(
        "visits",
        ("day", "visits", "wellbeing"),
        rows,
        {"done": len(found), "wellbeing": round(statistics.fmean(scores), 2) if scores else None},
    )


async def count_hours(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    """The time volunteers gave, as they said it: on tasks done and on visits made."""
    done = await queries.done_requests(session, ids, period.start, period.end)
    visited = await queries.visits_done(session, ids, period.start, period.end)
    tasks = sum(minutes or 0 for *_rest, minutes in done)
    visits = sum(minutes or 0 for *_rest, minutes in visited)
    return Measure(
        "hours",
        ("kind", "minutes", "hours"),
        [("tasks", tasks, round(tasks / 60, 1)), ("visits", visits, round(visits / 60, 1))],
        {"minutes": tasks + visits, "hours": round((tasks + visits) / 60, 1)},
    )


async def count_broadcasts(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    started = await queries.broadcasts_started(session, ids, period.start, period.end)
    return Measure("broadcasts", ("broadcasts",), [(started,)], {"broadcasts": started})


async def count_concerns(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    """Concerns neighbours raised in the period, by where they stand, and the follow-ups they
    led to: done in the period, and overdue (due by its end and still not done)."""
    by_status = dict(await queries.concerns_by_status(session, ids, period.start, period.end))
    done, overdue = await queries.follow_ups_done_and_overdue(
        session, ids, period.start, period.end
    )
    rows: list[tuple[Cell, ...]] = [
        ("concern", status, by_status.get(status, 0)) for status in ("open", "closed", "merged")
    ]
    rows += [("follow_up", "done", done), ("follow_up", "overdue", overdue)]
    return Measure(
        "concerns",
        ("what", "status", "count"),
        rows,
        {
            "raised": sum(by_status.values()),
            "open": by_status.get("open", 0),
            "closed": by_status.get("closed", 0) + by_status.get("merged", 0),
            "done": done,
            "overdue": overdue,
        },
    )


async def count_wishes(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    """Small wishes posted, lit by a neighbour and received in the period."""
    stages = await queries.wishes_by_stage(session, ids, period.start, period.end)
    return Measure(
        "wishes", ("stage", "count"), [(stage, count) for stage, count in stages.items()], stages
    )


async def count_survey(session: AsyncSession, ids: Collection[int], period: Period) -> Measure:
    """Survey rounds started in the period: how many people of these communities were asked,
    how many answered every question, and the average of each question (1 to its top)."""
    rounds, results = await surveys.results_in(session, frozenset(ids), period.start, period.end)
    return Measure(
        "survey",
        ("question", "answers", "average", "top"),
        [
            (question.key, taps, mean, surveys.TOP[question.scale])
            for question, taps, mean in results.averages
        ],
        {
            "rounds": rounds,
            "sent": results.asked,
            "answered": results.answered,
            "rate": results.rate,
        },
    )


MEASURES: dict[str, Count] = {
    "requests": count_requests,
    "timing": count_timing,
    "checkins": count_checkins,
    "visits": count_visits,
    "hours": count_hours,
    "broadcasts": count_broadcasts,
    "concerns": count_concerns,
    "wishes": count_wishes,
    "survey": count_survey,
}
"""Every measure, in the order of the summary, the charts and the export's sheets."""


async def report_for(
    session: AsyncSession, settings: Settings, node_id: int, kind: PeriodKind, now: datetime
) -> Report:
    """The numbers of every community at or below a node (a community, street or district),
    in its timezone: the digest's, and what a coordinator of that node sees."""
    tree = await communities.tree(session, settings)
    ids = tree.below(node_id)
    period = period_of(kind, now, tree.settings(node_id).timezone)
    measures = {key: await count(session, ids, period) for key, count in MEASURES.items()}
    names = sorted(tree.name(community_id) for community_id in ids)
    return Report(period, ids, names, measures)


async def report(
    session: AsyncSession, settings: Settings, person: User | None, kind: PeriodKind, clock: Clock
) -> Report:
    """A coordinator's numbers: the communities they act for, in their own timezone."""
    coordinator = require(person, Action.SEE_NUMBERS)
    ids = await communities.scope_of(session, settings, coordinator)
    if not ids or coordinator.community_id is None:
        raise NotAllowed()
    tree = await communities.tree(session, settings)
    period = period_of(kind, clock.now(), coordinator.timezone)
    measures = {key: await count(session, ids, period) for key, count in MEASURES.items()}
    names = sorted(tree.name(community_id) for community_id in ids)
    return Report(period, ids, names, measures)


# The weekly digest: a day and an hour per node, chosen by its coordinators.

DIGEST_HOURS = tuple(range(7, 22))
"""The hours a digest may be sent at: in the day, for a group of people."""


def next_digest_at(weekday: int, hour: int, after: datetime, timezone: str) -> datetime:
    """The first moment after `after` that falls on `weekday` at `hour`:00, local."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    for _week in range(3):
        moment = datetime.combine(day, time(hour), zone).astimezone(UTC)
        if moment > after:
            return moment
        day += timedelta(days=7)
    raise AssertionError("unreachable")


async def digest_setting(session: AsyncSession, person: User | None) -> NumbersDigest | None:
    coordinator = require(person, Action.SEE_NUMBERS)
    if coordinator.community_id is None:
        raise NotAllowed()
    return await queries.digest_of(session, coordinator.community_id)


async def set_digest(
    session: AsyncSession,
    settings: Settings,
    person: User | None,
    *,
    weekday: int,
    hour: int,
    clock: Clock,
) -> NumbersDigest:
    """The coordinator's node gets its digest every `weekday` at `hour` (its own timezone)."""
    coordinator = require(person, Action.SEE_NUMBERS)
    if coordinator.community_id is None:
        raise NotAllowed()
    if not 0 <= weekday <= 6 or hour not in DIGEST_HOURS:
        raise InvalidInput()
    tree = await communities.tree(session, settings)
    now = clock.now()
    due = next_digest_at(weekday, hour, now, tree.settings(coordinator.community_id).timezone)
    return await queries.set_digest(
        session,
        coordinator.community_id,
        weekday=weekday,
        hour=hour,
        next_due_at=due,
        by=coordinator.id,
        at=now,
    )


async def stop_digest(session: AsyncSession, person: User | None) -> bool:
    coordinator = require(person, Action.SEE_NUMBERS)
    if coordinator.community_id is None:
        raise NotAllowed()
    return await queries.stop_digest(session, coordinator.community_id)


@dataclass(frozen=True)
class DueDigest:
    community_id: int
    due_at: datetime
    next_due_at: datetime


async def due_digests(
    session: AsyncSession, settings: Settings, now: datetime, limit: int = 50
) -> list[DueDigest]:
    """The digests whose time has come, each with the time it moves on to once sent."""
    tree = await communities.tree(session, settings)
    found = []
    for row in await queries.due_digests(session, now, limit):
        timezone = tree.settings(row.community_id).timezone
        following = next_digest_at(row.weekday, row.hour, max(now, row.next_due_at), timezone)
        found.append(DueDigest(row.community_id, row.next_due_at, following))
    return found


async def claim_digest(session: AsyncSession, due: DueDigest, now: datetime) -> bool:
    """Whether this process sends the digest (see `queries.claim_digest`)."""
    return await queries.claim_digest(session, due.community_id, due.due_at, due.next_due_at, now)
