"""What the check-in routers share: the person of the update, the quiet hours of the
resident's community, the escalation timing from the settings, and the words said when an
answer cannot be used."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.context import UpdateContext
from bot.services import checkins
from bot.services.checkins import Timing
from bot.services.schedule import QuietHours
from storage.models import User


def person(ctx: UpdateContext) -> User:
    """The person who pressed or wrote: always known for a button press or a private message."""
    assert ctx.person is not None
    return ctx.person


async def quiet(ctx: UpdateContext, data: dict[str, Any]) -> QuietHours:
    """The quiet hours of the community of the resident whose check-ins are being set up
    (`resident_id` of the conversation; the presser's own when it has none)."""
    resident_id = int(data.get("resident_id") or person(ctx).id)
    return await checkins.quiet_hours_of(ctx.session, ctx.settings, resident_id)


def timing(settings: Settings) -> Timing:
    return Timing(
        grace_minutes=settings.checkin_grace_minutes,
        first_alert_minutes=settings.checkin_first_alert_minutes,
        alert_every_minutes=settings.checkin_alert_every_minutes,
    )


def only_coordinators() -> str:
    return _(
        "Only community coordinators can enrol someone in check-ins. Residents can set up "
        "their own with “🔔 Daily check-in”."
    )


def bad_input_note() -> str:
    return _("Please tap one of the buttons below 👇. To stop, write “stop”.")


def not_on_now() -> str:
    return _("Your daily check-ins are not on now.")


def already_on() -> str:
    return _("Your daily check-ins are already on. 👍")
