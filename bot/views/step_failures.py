"""The words of a scheduler step that keeps failing, for the coordinators."""

from __future__ import annotations

from aiogram import html
from aiogram.utils.i18n import gettext as _


def _job_label(job: str) -> str:
    labels = {
        "checkin": _("a daily check-in"),
        "visit": _("a paired visit"),
        "request.unclaimed": _("the reminder about a request nobody has taken"),
        "request.overdue": _("the reminder about a request not marked done"),
        "broadcast": _("a scheduled broadcast"),
        "wish.lapse": _("putting a wish not brought in time back for neighbours to light"),
        "wish.reminder": _("the reminder to the neighbour who lit a wish"),
        "wish.campaign": _("the live counter of a campaign day"),
        "numbers.digest": _("the weekly numbers of a community"),
        "fund.campaign": _("the progress message of a fund campaign"),
    }
    return labels.get(job, job)


def set_aside(job: str, row_id: int, attempts: int, reason: str) -> str:
    return _(
        "⚠️ I could not do {what} (number {number}): it failed {attempts} times. I will keep "
        "trying, less often. Please check it, and tell the technical team: {reason}."
    ).format(
        what=_job_label(job),
        number=row_id,
        attempts=attempts,
        reason=html.quote(reason),
    )
