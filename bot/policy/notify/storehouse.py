"""Who is told what about the storehouse: a pledging household's members who use the bot hear,
kindly and in their own language, when their gift is due. (Low stock and expiring food are
said to the coordinators on /store itself, not sent on a schedule.)"""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.services.store_pledges import DueReminder
from bot.views import store_pledges as views


async def pledge_due(notifier: Notifier, due: DueReminder) -> int:
    """To each member of the pledging household; how many were told."""
    render = words_only(lambda: views.reminder_text(due.pledge, due.item))
    told = 0
    for member in due.members:
        if await notifier.tell_user(
            member, render, kind="store.pledge_due", priority=Priority.NOTICE
        ):
            told += 1
    return told
