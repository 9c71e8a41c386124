"""Who is told when someone deletes their data: a volunteer on their way to them is told not
to go (by the request's number only); every card of a request the erasure changed says what is
true now (cancelled, or open again), with nothing of them left on it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.policy.notify import request_cards
from bot.services import requests
from bot.services.erasure import Erasure
from bot.views import privacy as views
from storage.models import HelpRequest


async def tasks_withdrawn(notifier: Notifier, tasks: Iterable[HelpRequest]) -> None:
    for task in tasks:
        volunteer = await requests.person(notifier.session, task.volunteer_id)
        await notifier.tell_user(
            volunteer,
            lambda task=task: (views.task_withdrawn_text(requests.reference(task)), None),
            kind="task_withdrawn",
            priority=Priority.ALERT,
        )


async def data_deleted(notifier: Notifier, erasure: Erasure) -> None:
    await tasks_withdrawn(notifier, erasure.cancelled_tasks)
    for request in erasure.changed_requests:
        await request_cards.refresh(notifier, request)
