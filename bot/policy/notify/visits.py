"""Who is told what about paired visits. Only the volunteer's reminder an hour before a visit
shows the resident's address and phone; the resident is told only the volunteer's first name
(and only at a decent hour on their clock: the Notifier holds notices for the morning); the
coordinators get names and times."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.services.visits import DueStep, Step, resident_was_told
from bot.views import visits as views
from storage.models import Pairing, User, Visit, VisitKind


async def paired(
    notifier: Notifier, pairing: Pairing, visit: Visit, volunteer: User, resident: User
) -> None:
    """The volunteer learns who, how often and the first date; the resident who will come."""
    await notifier.tell_user(
        volunteer,
        lambda: (
            views.paired_volunteer_text(pairing, visit, resident),
            views.reminder_keyboard(visit),
        ),
        kind="visit.paired",
        priority=Priority.NOTICE,
    )
    await notifier.tell_user(
        resident,
        words_only(lambda: views.paired_resident_text(pairing, visit, volunteer, resident)),
        kind="visit.paired",
        priority=Priority.NOTICE,  # at night, held for the morning by the Notifier
    )


async def step_due(notifier: Notifier, due: DueStep) -> None:
    """One step the scheduler claimed: reminders, the resident's notice, the log question, the
    coordinators' flag."""
    visit, pairing, volunteer, resident = due.visit, due.pairing, due.volunteer, due.resident
    if due.step is Step.DAY_BEFORE:
        if due.remind:
            await notifier.tell_user(
                volunteer,
                lambda: (
                    views.day_before_text(visit, pairing, resident),
                    views.reminder_keyboard(visit),
                ),
                kind="visit.reminder",
                priority=Priority.REMINDER,
            )
        if due.tell_resident:
            await notifier.tell_user(
                resident,
                words_only(lambda: views.resident_notice(visit, pairing, volunteer, resident)),
                kind="visit.resident_notice",
                priority=Priority.REMINDER,
                not_before=due.tell_resident_after,  # the morning, when told at night
            )
    elif due.step is Step.HOUR_BEFORE and due.remind:
        await notifier.tell_user(
            volunteer,
            lambda: (
                views.hour_before_text(visit, pairing, resident),
                views.reminder_keyboard(visit),
            ),
            kind="visit.address",  # at least once: see delivers_at_least_once
            priority=Priority.REMINDER,
        )
        if visit.kind is VisitKind.VISIT and not resident.address:
            await notifier.tell_coordinators(
                words_only(lambda: views.no_address_text(visit, volunteer, resident)),
                community_id=resident.community_id,
                kind="visit.no_address",
                priority=Priority.ALERT,
            )
    elif due.step is Step.ASK_LOG:
        await notifier.tell_user(
            volunteer,
            lambda: (views.ask_log_text(visit, resident), views.log_keyboard(visit)),
            kind="visit.ask_log",
            priority=Priority.REMINDER,
        )
    elif due.step is Step.FLAG:
        await notifier.tell_coordinators(
            words_only(lambda: views.not_logged_text(visit, volunteer, resident)),
            community_id=resident.community_id,
            kind="visit.not_logged",
            priority=Priority.NOTICE,
        )


async def cancelled(
    notifier: Notifier, visit: Visit, volunteer: User, resident: User, *, reason: str | None = None
) -> None:
    """At once to the coordinators; to the resident only if they were told someone is coming
    (and not again when the volunteer adds a reason)."""
    await notifier.tell_coordinators(
        words_only(lambda: views.cancelled_text(visit, volunteer, resident, reason)),
        community_id=resident.community_id,
        kind="visit.cancelled",
        priority=Priority.ALERT,
    )
    if reason is None and resident_was_told(visit):
        await notifier.tell_user(
            resident,
            words_only(lambda: views.cancelled_resident_text(visit, volunteer, resident)),
            kind="visit.cancelled",
            priority=Priority.NOTICE,
        )


async def nobody_home(notifier: Notifier, visit: Visit, volunteer: User, resident: User) -> None:
    """Nobody answered at an elder's door: the coordinators should know now."""
    await notifier.tell_coordinators(
        words_only(lambda: views.nobody_home_text(visit, volunteer, resident)),
        community_id=resident.community_id,
        kind="visit.nobody_home",
        priority=Priority.ALERT,
    )


async def low_wellbeing(notifier: Notifier, visit: Visit, volunteer: User, resident: User) -> None:
    """Two low wellbeing scores in a row."""
    await notifier.tell_coordinators(
        words_only(lambda: views.low_wellbeing_text(visit, volunteer, resident)),
        community_id=resident.community_id,
        kind="visit.low_wellbeing",
        priority=Priority.ALERT,
    )
