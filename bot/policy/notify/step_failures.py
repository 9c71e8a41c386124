"""Who is told when a scheduler step keeps failing: the coordinators of the row's community,
once, after a few tries (the tries go on, less often)."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.services.step_failures import SetAside
from bot.views import step_failures as views
from storage.repositories import step_failures as queries


async def step_set_aside(notifier: Notifier, failure: SetAside) -> None:
    if not failure.flag_now:
        return
    community_id = await queries.community_of(notifier.session, failure.job, failure.row_id)
    await notifier.tell_coordinators(
        words_only(
            lambda: views.set_aside(failure.job, failure.row_id, failure.attempts, failure.reason)
        ),
        community_id=community_id,  # None (a row that is gone): the first community's
        kind="step.failed",
        priority=Priority.ALERT,
    )
