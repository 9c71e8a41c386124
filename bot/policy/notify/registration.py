"""Who is told about a registration: a volunteer who registered by themselves (not invited)
goes to the coordinators, with approve and decline buttons."""

from __future__ import annotations

from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.views import volunteering as volunteer_views
from bot.views.request_keyboards import volunteer_decision_keyboard
from storage.models import User


async def volunteer_waits(
    notifier: Notifier, volunteer: User, skills: list[str], languages: list[str]
) -> None:
    await notifier.tell_coordinators(
        lambda: (
            volunteer_views.registration_card(volunteer, skills, languages),
            volunteer_decision_keyboard(volunteer.id),
        ),
        community_id=volunteer.community_id,
        kind="volunteer_registered",
        priority=Priority.NOTICE,
    )
