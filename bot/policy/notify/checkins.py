"""Who is told what about check-ins, one function per event. The round's steps go to the
resident (the check-in, the reminder) or to the link of the chain whose turn it is; how a
missed check-in ended goes to everyone alerted to it; the coordinators hear of plans agreed,
declined and stopped, of repeated misses and of residents the bot cannot reach. Rendered with
`bot.views.checkins` in each recipient's language; all of it goes through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services.checkins import ChainLink, DueStep, Outcome, StepKind
from bot.views import checkin_setup as setup_views
from bot.views import checkins as views
from storage.models import CheckinPlan, ContactKind, User

# --- the daily round -----------------------------------------------------------------------


async def checkin_step(notifier: Notifier, step: DueStep) -> None:
    """One step the round has claimed, to whom it says it: the check-in or its reminder to the
    resident; an alert to the link of the chain (the coordinators for their own link, a phone
    contact, or the end of the chain); and, on repeated misses, a flag to the coordinators."""
    resident = step.resident
    if step.kind in (StepKind.SEND, StepKind.REMIND):
        reminder = step.kind is StepKind.REMIND

        def render_checkin() -> Rendered:
            return views.checkin_text(resident, reminder), views.answer_keyboard(step.checkin)

        await notifier.tell_user(
            resident,
            render_checkin,
            kind="checkin.reminder" if reminder else "checkin",
            priority=Priority.ALERT,
            flush=False,  # a tick may queue thousands: they are flushed together
        )
        return
    if step.kind is StepKind.SKIP:
        return
    contact = step.contact

    def render_alert() -> Rendered:
        return views.alert_text(step, contact), views.alert_keyboard(step.checkin)

    to_coordinators = (ContactKind.COORDINATORS, ContactKind.PHONE)
    if step.kind is StepKind.CHAIN_END or contact is None or contact.kind in to_coordinators:
        await notifier.tell_coordinators(
            render_alert,
            community_id=resident.community_id,
            kind="checkin.alert",
            priority=Priority.URGENT,
        )
    elif step.contact_user is not None:
        await notifier.tell_user(
            step.contact_user, render_alert, kind="checkin.alert", priority=Priority.URGENT
        )
    if step.repeated_misses and (contact is None or contact.kind is not ContactKind.COORDINATORS):

        def render_flag() -> Rendered:
            return views.flag_text(resident, step.repeated_misses), None

        await notifier.tell_coordinators(
            render_flag,
            community_id=resident.community_id,
            kind="checkin.flag",
            priority=Priority.ALERT,
        )


async def resident_unreachable(notifier: Notifier, resident: User) -> None:
    """An enrolled resident blocked the bot: the coordinators must reach them another way."""

    def render() -> Rendered:
        return views.unreachable_text(resident), None

    await notifier.tell_coordinators(
        render,
        community_id=resident.community_id,
        kind="checkin.unreachable",
        priority=Priority.ALERT,
    )


# --- how a check-in ended ------------------------------------------------------------------


async def _tell_alerted(
    notifier: Notifier, outcome: Outcome, what: str, *, with_details: bool = False
) -> None:
    """Everyone alerted about this check-in (and the coordinators, when they were, or when it
    is urgent) hears it."""

    def render() -> Rendered:
        text = views.outcome_text(outcome, what)
        if with_details:
            text += "\n\n" + views.resident_details(outcome.resident)
            return text, views.alert_keyboard(outcome.checkin)
        return text, None

    urgent = what in ("help", "not_reached")
    priority = Priority.URGENT if urgent else Priority.ALERT
    for person in outcome.alerted:
        await notifier.tell_user(person, render, kind=f"checkin.{what}", priority=priority)
    if outcome.coordinators_alerted or urgent:
        await notifier.tell_coordinators(
            render,
            community_id=outcome.resident.community_id,
            kind=f"checkin.{what}",
            priority=priority,
        )


async def answered_fine(notifier: Notifier, outcome: Outcome) -> None:
    """ "I'm fine 👍": heard by whoever was alerted, if anyone was."""
    if outcome.was_alerted:
        await _tell_alerted(notifier, outcome, "fine")


async def asked_for_help(notifier: Notifier, outcome: Outcome) -> None:
    """ "I need help 🙋": the whole chain and the coordinators, with where to go."""
    await _tell_alerted(notifier, outcome, "help", with_details=True)


async def taken_on(notifier: Notifier, outcome: Outcome) -> None:
    await _tell_alerted(notifier, outcome, "taken")


async def reached(notifier: Notifier, outcome: Outcome) -> None:
    await _tell_alerted(notifier, outcome, "reached")


async def not_reached(notifier: Notifier, outcome: Outcome, next_step: DueStep | None) -> None:
    """ "Could not reach them": the others hear it, and the next link of the chain is alerted
    now."""
    await _tell_alerted(notifier, outcome, "not_reached")
    if next_step is not None:
        await checkin_step(notifier, next_step)


async def checked_in_for(notifier: Notifier, outcome: Outcome) -> None:
    """Someone checked in on the resident's behalf (a call, or a logged visit)."""
    await _tell_alerted(notifier, outcome, "proxy")


# --- plans ---------------------------------------------------------------------------------


async def plan_proposed(
    notifier: Notifier,
    plan: CheckinPlan,
    links: Sequence[ChainLink],
    resident: User,
    proposer: User,
) -> None:
    """A coordinator's proposal goes to the resident, to agree to."""

    def render() -> Rendered:
        return setup_views.proposal_text(plan, links, proposer), setup_views.proposal_keyboard(plan)

    await notifier.tell_user(resident, render, kind="checkin.proposal", priority=Priority.NOTICE)


async def plan_agreed(
    notifier: Notifier, plan: CheckinPlan, resident: User, proposer: User | None
) -> None:
    """The coordinator who proposed it hears; the coordinators, when the resident set it up."""
    name = resident.display_name or "—"
    first = plan.next_checkin_at
    now = notifier.clock.now()

    def render() -> Rendered:
        times = setup_views.times_label(plan.times)  # in the reader's language: 08:00、20:00
        when = setup_views.moment_label(first, resident.timezone, now) if first else "—"
        return views.agreed_text(name, times, when), None

    if proposer is not None:
        await notifier.tell_user(proposer, render, kind="checkin.agreed", priority=Priority.NOTICE)
    else:
        await notifier.tell_coordinators(
            render,
            community_id=resident.community_id,
            kind="checkin.agreed",
            priority=Priority.NOTICE,
        )


async def plan_declined(notifier: Notifier, resident: User, proposer: User | None) -> None:
    """Only a coordinator who proposed it hears "No, thank you"."""
    if proposer is None:
        return
    name = resident.display_name or "—"

    def render() -> Rendered:
        return views.declined_text(name), None

    await notifier.tell_user(proposer, render, kind="checkin.declined", priority=Priority.NOTICE)


async def plan_stopped(notifier: Notifier, resident: User) -> None:
    name = resident.display_name or "—"

    def render() -> Rendered:
        return views.stopped_text(name), None

    await notifier.tell_coordinators(
        render, community_id=resident.community_id, kind="checkin.stopped", priority=Priority.NOTICE
    )
