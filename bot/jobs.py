"""What the scheduler does on each tick. Each job finds due rows through a service, which claims
them atomically, and tells people through the Notifier (the outbox)."""

from __future__ import annotations

from datetime import timedelta

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot import broadcast_views
from bot.notices import Notifier, Rendered
from bot.request_keyboards import review_keyboard
from bot.services import broadcasts, review
from bot.services.outbox import Priority
from bot.texts import duration_label, private_card
from storage.models import HelpRequest, User


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
    for request in unclaimed:
        await _flag(notifier, request, unclaimed=True)
    for request in overdue:
        await _flag(notifier, request, unclaimed=False)
    return len(unclaimed) + len(overdue)


async def _flag(notifier: Notifier, request: HelpRequest, *, unclaimed: bool) -> None:
    resident = await notifier.session.get(User, request.resident_id)
    volunteer = (
        await notifier.session.get(User, request.volunteer_id) if request.volunteer_id else None
    )
    waited = int((notifier.clock.now() - request.created_at).total_seconds() // 60)

    def render() -> Rendered:
        if unclaimed:
            headline = _("⏰ Still waiting after {waited}: nobody has taken this request yet.")
        else:
            headline = _(
                "⏰ Not marked done: {volunteer} took this request, and its time has passed."
            )
        text = headline.format(
            waited=duration_label(waited),
            volunteer=html.quote(volunteer.display_name or "—") if volunteer else "—",
        )
        card = private_card(request, resident) if resident else ""
        return f"<b>{text}</b>\n\n{card}", review_keyboard(request)

    await notifier.tell_coordinators(
        render,
        kind="request.unclaimed" if unclaimed else "request.overdue",
        priority=Priority.ALERT if request.urgent else Priority.NOTICE,
    )


async def start_due_broadcasts(notifier: Notifier) -> int:
    """Scheduled broadcasts whose time has come are queued, each once; the progress message
    and the final report are the broadcast monitor's."""
    started = await broadcasts.start_due(
        notifier.session,
        broadcast_views.renderer(notifier.i18n),
        clock=notifier.clock,
        default_locale=notifier.settings.default_locale,
    )
    return len(started)


ALL_JOBS = (flag_waiting_requests, start_due_broadcasts)
