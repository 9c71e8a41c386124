"""What the scheduler does on each tick. Each job finds due rows through a service, which claims
them atomically, and tells people through the Notifier (the outbox)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from bot.delivery.notifier import Notifier
from bot.policy.notify import checkins as notify_checkins
from bot.policy.notify import concerns as notify_concerns
from bot.policy.notify import fund as notify_fund
from bot.policy.notify import fund_campaigns as notify_fund_campaigns
from bot.policy.notify import numbers as notify_numbers
from bot.policy.notify import requests as notify_requests
from bot.policy.notify import step_failures as notify_failures
from bot.policy.notify import storehouse as notify_store
from bot.policy.notify import surveys as notify_surveys
from bot.policy.notify import visits as visit_notices
from bot.policy.notify import wish_campaigns as notify_campaigns
from bot.policy.notify import wishes as notify_wishes
from bot.services import (
    broadcasts,
    checkins,
    communities,
    concerns,
    fund_campaigns,
    fund_posts,
    give_back,
    numbers,
    review,
    step_failures,
    store_pledges,
    surveys,
    visits,
    wish_campaigns,
    wish_steps,
)
from bot.services.schedule import QuietHours
from bot.views import broadcasts as broadcast_views
from bot.views import numbers as number_views
from bot.views.render import charts, sheets
from storage.models import FundCampaign, HelpRequest, WishCampaign

CATCH_UP_ROUNDS = 50  # rounds of at most 500 steps per tick; the rest waits for the next tick
DIGESTS_PER_TICK = 10  # about 0.35 s of drawing each: the check-ins' steps never wait long


async def flag_waiting_requests(notifier: Notifier) -> int:
    """Requests nobody took in time, and claims not marked done long after their time, go to the
    coordinators again (once each)."""
    settings = notifier.settings
    unclaimed, overdue = await review.flag_waiting_requests(
        notifier.session,
        clock=notifier.clock,
        unclaimed_after=timedelta(minutes=settings.unclaimed_alert_minutes),
        urgent_unclaimed_after=timedelta(minutes=settings.urgent_unclaimed_alert_minutes),
        overdue_after=timedelta(minutes=settings.claim_overdue_minutes),
    )
    told = 0
    for requests, unclaimed_kind in ((unclaimed, True), (overdue, False)):
        job = "request.unclaimed" if unclaimed_kind else "request.overdue"
        waiting = await step_failures.waiting_rows(notifier.session, job, notifier.clock.now())
        for request in requests:

            async def put_back(
                _at: datetime, request_id: int = request.id, unclaimed: bool = unclaimed_kind
            ) -> None:
                await review.unflag(notifier.session, request_id, unclaimed=unclaimed)

            if request.id in waiting:  # set aside: not before its retry time
                await put_back(waiting[request.id])
                continue

            async def tell(
                request: HelpRequest = request, unclaimed: bool = unclaimed_kind
            ) -> None:
                await notify_requests.request_waiting(notifier, request, unclaimed=unclaimed)

            outcome = await _guarded(notifier, job, request.id, tell, put_back)
            told += not isinstance(outcome, step_failures.SetAside)
    return told


async def start_due_broadcasts(notifier: Notifier) -> int:
    """Scheduled broadcasts whose time has come are queued, each once; the progress message
    and the final report are the broadcast monitor's."""
    set_aside: list[step_failures.SetAside] = []
    started = await broadcasts.start_due(
        notifier.session,
        broadcast_views.renderer(notifier.i18n),
        clock=notifier.clock,
        settings=notifier.settings,
        set_aside=set_aside,
    )
    for failure in set_aside:
        await notify_failures.step_set_aside(notifier, failure)
    return len(started)


async def _quiet_hours(notifier: Notifier) -> Callable[[int], QuietHours]:
    """Each community's quiet hours, by its id (read once per tick)."""
    tree = await communities.tree(notifier.session, notifier.settings)
    found: dict[int, QuietHours] = {}

    def of(community_id: int) -> QuietHours:
        if community_id not in found:
            found[community_id] = tree.settings(community_id).quiet_hours
        return found[community_id]

    return of


async def run_checkins(notifier: Notifier) -> int:
    """Send the check-ins that are due, remind, and walk the chains of unanswered ones, each
    plan in its community's quiet hours. Loops until nothing is due, so a bot that was down
    does every overdue step now, each once."""
    quiet = await _quiet_hours(notifier)
    acted = 0
    for _round in range(CATCH_UP_ROUNDS):
        set_aside: list[step_failures.SetAside] = []
        steps = await checkins.take_due_steps(
            notifier.session,
            clock=notifier.clock,
            quiet=quiet,
            tell=partial(notify_checkins.checkin_step, notifier),
            set_aside=set_aside,
        )
        for failure in set_aside:
            await notify_failures.step_set_aside(notifier, failure)
        if not steps and not set_aside:
            break
        acted += len(steps)
        # Each round's claims and messages are one transaction: a morning when thousands are
        # due does not hold the database (SQLite's one writer) for the whole catch-up.
        await notifier.session.commit()
    return acted


async def flag_unreachable_elders(notifier: Notifier) -> int:
    """An enrolled resident who blocked the bot cannot get check-ins: the coordinators must
    know (once, until they unblock it)."""
    found = await checkins.unreachable_enrolled(notifier.session, clock=notifier.clock)
    for resident in found:
        await notify_checkins.resident_unreachable(notifier, resident)
    return len(found)


async def run_visits(notifier: Notifier) -> int:
    """Paired visits: write the coming ones, remind volunteers, tell residents who is coming,
    ask for the log, flag unlogged ones. Each step is claimed once (see services.visits)."""
    quiet = await _quiet_hours(notifier)
    steps = await visits.take_due_steps(notifier.session, clock=notifier.clock, quiet=quiet)
    sent = 0
    for step in steps:

        async def put_back(at: datetime, step: visits.DueStep = step) -> None:
            await visits.retry_step_at(notifier.session, step, at)

        outcome = await _guarded(
            notifier,
            "visit",
            step.visit.id,
            partial(visit_notices.step_due, notifier, step),
            put_back,
        )
        sent += not isinstance(outcome, step_failures.SetAside)
    return sent


async def send_weekly_numbers(notifier: Notifier) -> int:
    """The weekly numbers whose day and hour have come, each to its coordinators once: the
    figures are read and that read ends before drawing (off the event loop); then, in one
    transaction, the digest is moved on to next week and the chart and file are queued. A
    process that finds the digest already moved (another one sent it) queues nothing. At
    most DIGESTS_PER_TICK a tick; the others wait a tick or two."""
    session, now = notifier.session, notifier.clock.now()
    sent = 0
    waiting = await step_failures.waiting_rows(session, "numbers.digest", now)
    for due in await numbers.due_digests(session, notifier.settings, now, DIGESTS_PER_TICK):
        if due.community_id in waiting:
            continue

        async def send(due: numbers.DueDigest = due) -> int:
            return await _send_digest(notifier, due, now)

        outcome = await step_failures.run_committing_step(
            session, job="numbers.digest", row_id=due.community_id, now=now, step=send
        )
        if isinstance(outcome, step_failures.SetAside):  # its chart could not be drawn...
            await notify_failures.step_set_aside(notifier, outcome)
        else:
            sent += outcome
        await session.commit()
    return sent


async def _send_digest(notifier: Notifier, due: numbers.DueDigest, now: datetime) -> int:
    """One community's weekly numbers: read, commit, draw, then claim and queue."""
    session = notifier.session
    report = await numbers.report_for(
        session, notifier.settings, due.community_id, numbers.PeriodKind.PAST_WEEK, now
    )
    recipients = await notify_numbers.digest_recipients(notifier, due.community_id)
    await session.commit()
    drawn: dict[str, notify_numbers.DrawnDigest] = {}
    for locale in {recipient.locale for recipient in recipients}:
        with notifier.i18n.context(), notifier.i18n.use_locale(locale):
            words = number_views.digest_words(report, locale)
        png = await asyncio.to_thread(charts.png, words.picture, locale)
        xlsx = await asyncio.to_thread(sheets.xlsx, words.tables, heading=words.heading)
        drawn[locale] = notify_numbers.DrawnDigest(
            words.caption, png, words.png_name, words.file_caption, xlsx, words.xlsx_name
        )
    if await numbers.claim_digest(session, due, now):
        return await notify_numbers.digest_ready(notifier, recipients, drawn)
    return 0


async def run_follow_ups(notifier: Notifier) -> int:
    """Follow-ups a neighbour's concern led to: the owner reminded on the due day, the
    coordinators told a day later if it is still not done. Each step is claimed once, by one
    process (see services.concerns)."""
    acted = 0
    for _round in range(CATCH_UP_ROUNDS):  # a bot that was down catches up, 500 at a time
        due = await concerns.take_due_follow_ups(notifier.session, clock=notifier.clock)
        for step in due:
            await notify_concerns.follow_up_due(notifier, step)
        if not due:
            break
        acted += len(due)
        await notifier.session.commit()
    return acted


async def post_fund_ledgers(notifier: Notifier) -> int:
    """Once a month has ended, each community's fund posts its public ledger (once)."""
    tree = await communities.tree(notifier.session, notifier.settings)
    posts = await fund_posts.take_due_posts(notifier.session, tree, now=notifier.clock.now())
    for post in posts:
        await notify_fund.monthly_ledger(notifier, post)
    return len(posts)


async def nudge_to_give_back(notifier: Notifier) -> int:
    """Residents who opted in and were helped several times lately hear, once a month at
    most, that they could give some time back."""
    due = await give_back.take_due(notifier.session, now=notifier.clock.now())
    for resident in due:
        await notify_fund.give_back_nudge(notifier, resident)
    return len(due)


async def run_surveys(notifier: Notifier) -> int:
    """Survey rounds whose day and hour have come go out, each once (the survey is moved on to
    its next time by the process that sends it, in the transaction that queues the
    questions); rounds past their week are closed and reported to the coordinators, once."""
    session, now = notifier.session, notifier.clock.now()
    acted = 0
    for started in await surveys.start_due_rounds(session, notifier.settings, now):
        acted += await notify_surveys.round_started(notifier, started)
        await session.commit()
    for closed in await surveys.close_due_rounds(session, now):
        await notify_surveys.round_closed(notifier, closed)
        acted += 1
        await session.commit()
    return acted


async def _guarded(
    notifier: Notifier,
    job: str,
    row_id: int,
    step: Callable[[], Awaitable[None]],
    put_back: Callable[[datetime], Awaitable[None]],
) -> step_failures.SetAside | None:
    """One row's step on its own (see services.step_failures); a failure that has happened a
    few times is told to the coordinators, once."""
    outcome = await step_failures.run_step(
        notifier.session,
        job=job,
        row_id=row_id,
        now=notifier.clock.now(),
        step=step,
        put_back=put_back,
    )
    if isinstance(outcome, step_failures.SetAside):
        await notify_failures.step_set_aside(notifier, outcome)
    return outcome


async def run_wishes(notifier: Notifier) -> int:
    """Lit wishes: a wish not brought by its deadline goes back to the pool by itself, the
    donor and the coordinators told; before it, the donor is reminded. Each row once (a
    conditional UPDATE, so two processes never both act) and on its own (a failing row is set
    aside and tried again later, see services.step_failures)."""
    session, clock, settings = notifier.session, notifier.clock, notifier.settings
    now = clock.now()
    acted = 0

    async def stays(_at: datetime) -> None:
        """Undone by its savepoint: the wish is still due, and tried again after `_at`."""

    waiting = await step_failures.waiting_rows(session, "wish.lapse", now)
    for wish_id, version in await wish_steps.lapses_due(session, clock=clock):
        if wish_id in waiting:
            continue

        async def lapse(wish_id: int = wish_id, version: int = version) -> None:
            found = await wish_steps.lapse_one(session, wish_id, version, clock=clock)
            if found is not None:
                await notify_wishes.wish_lapsed(notifier, *found)

        outcome = await _guarded(notifier, "wish.lapse", wish_id, lapse, stays)
        acted += not isinstance(outcome, step_failures.SetAside)
    before = timedelta(hours=settings.wish_remind_hours)
    waiting = await step_failures.waiting_rows(session, "wish.reminder", now)
    for wish_id in await wish_steps.reminders_due(session, clock=clock, remind_before=before):
        if wish_id in waiting:
            continue

        async def remind(wish_id: int = wish_id) -> None:
            wish = await wish_steps.remind_one(session, wish_id, clock=clock)
            if wish is not None:
                await notify_wishes.wish_reminded(notifier, wish, settings)

        outcome = await _guarded(notifier, "wish.reminder", wish_id, remind, stays)
        acted += not isinstance(outcome, step_failures.SetAside)
    return acted


async def run_campaigns(notifier: Notifier) -> int:
    """Campaign days: each live counter made true (at most one edit a tick per group), and a
    campaign whose day is over closed, once, with its closing figures to each community. Each
    campaign on its own (a failing one is set aside, see services.step_failures)."""
    session = notifier.session
    tree = await communities.tree(session, notifier.settings)
    waiting = await step_failures.waiting_rows(session, "wish.campaign", notifier.clock.now())
    acted = 0

    async def stays(_at: datetime) -> None:
        """Undone by its savepoint: the campaign is looked at again after `_at`."""

    for campaign in await wish_campaigns.running(session):
        if campaign.id in waiting:
            continue

        async def step(campaign: WishCampaign = campaign) -> None:
            timezone = tree.settings(campaign.node_id).timezone
            closed = await wish_campaigns.close_if_over(
                session, campaign, clock=notifier.clock, timezone=timezone
            )
            await notify_campaigns.refresh_counters(notifier, campaign)
            if closed:
                await notify_campaigns.campaign_closed(notifier, campaign)

        outcome = await _guarded(notifier, "wish.campaign", campaign.id, step, stays)
        acted += not isinstance(outcome, step_failures.SetAside)
    return acted


async def remind_pledges(notifier: Notifier) -> int:
    """Pledges to the storehouse due today: the pledging household reminded, once (the claim
    moves the pledge on to its next due day, see services.store_pledges)."""
    due = await store_pledges.take_due_reminders(
        notifier.session, notifier.settings, notifier.clock.now()
    )
    for reminder in due:
        await notify_store.pledge_due(notifier, reminder)
    return len(due)


async def run_fund_campaigns(notifier: Notifier) -> int:
    """Campaigns of the fund: one whose last day is over closed, once; each progress message
    made true (money recorded, a gift corrected: no edit when it says this already). Each
    campaign on its own (a failing one is set aside, see services.step_failures)."""
    session = notifier.session
    tree = await communities.tree(session, notifier.settings)
    now = notifier.clock.now()
    waiting = await step_failures.waiting_rows(session, "fund.campaign", now)
    acted = 0

    async def stays(_at: datetime) -> None:
        """Undone by its savepoint: the campaign is looked at again after `_at`."""

    for campaign in await fund_campaigns.running(session):
        if campaign.id in waiting:
            continue

        async def step(campaign: FundCampaign = campaign) -> None:
            timezone = tree.settings(campaign.community_id).timezone
            await fund_campaigns.close_if_ended(session, campaign, now=now, timezone=timezone)
            await notify_fund_campaigns.refresh_progress(notifier, campaign)

        outcome = await _guarded(notifier, "fund.campaign", campaign.id, step, stays)
        acted += not isinstance(outcome, step_failures.SetAside)
    return acted


ALL_JOBS = (
    flag_waiting_requests,
    start_due_broadcasts,
    run_checkins,
    flag_unreachable_elders,
    run_visits,
    send_weekly_numbers,
    run_follow_ups,
    post_fund_ledgers,
    nudge_to_give_back,
    run_wishes,
    run_campaigns,
    run_fund_campaigns,
    run_surveys,
    remind_pledges,
)
