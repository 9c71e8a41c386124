"""Who is told when someone asks "📞 Please call me": the coordinators (their group, or each
privately), with a button to mark the call made."""

from __future__ import annotations

from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.views import help as views
from storage.models import CallBack, User


async def call_back_asked(notifier: Notifier, call: CallBack, user: User) -> None:
    timezone = user.timezone or notifier.settings.default_timezone
    await notifier.tell_coordinators(
        lambda: (
            views.call_back_card(user, call.asked_at, timezone),
            views.call_back_keyboard(call, user),
        ),
        community_id=call.community_id,
        kind="call_back",
        priority=Priority.REMINDER,
    )
