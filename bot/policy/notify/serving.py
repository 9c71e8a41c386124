"""Who is told when a volunteer asks to serve one more community: that community's
coordinators (its group, else its nearest coordinators), with buttons to say yes or no; then
the volunteer, of the answer."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, Rendered, words_only
from bot.delivery.outbox import Priority
from bot.views import volunteering as views
from storage.models import Community, User


async def serve_asked(notifier: Notifier, volunteer: User, community: Community) -> None:
    home = (await notifier.community(volunteer.community_id)).name

    def render() -> Rendered:
        return (
            views.serve_card(volunteer, community.name, home),
            views.serve_decision_keyboard(volunteer.id, community.id),
        )

    await notifier.tell_coordinators(
        render, community_id=community.id, kind="volunteer_serve_asked", priority=Priority.NOTICE
    )


async def serve_decided(
    notifier: Notifier, volunteer: User, community: Community, *, approved: bool
) -> None:
    await notifier.tell_user(
        volunteer,
        words_only(lambda: views.serve_decided_text(approved, community.name)),
        kind="volunteer_serve_decided",
        priority=Priority.NOTICE,
    )
