"""Who is told what about concerns. The card (with what the neighbour said, their voice note or
photo) goes to the coordinators of the reporter's community only: their group, which is theirs
alone, or each of them privately. The reporter hears only that it was looked into, and only if
they asked. A follow-up's owner is reminded; the coordinators hear when one is overdue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.services import places
from bot.services.concerns import DueFollowUp, Step
from bot.services.media import media_of
from bot.views import concerns as views
from storage.models import Concern, ConcernStatus, FollowUp, Household, User
from storage.repositories import concerns as queries
from storage.repositories import households as household_queries


async def card_facts(session: AsyncSession, concern: Concern) -> views.CardFacts:
    """What a concern's card shows besides the concern: its reporter, place, household, the
    follow-ups it led to, and the household's other open concerns (perhaps the same)."""
    reporter = await session.get(User, concern.reporter_id) if concern.reporter_id else None
    place = await places.name_of(session, concern.place_id)
    household = await household_queries.get(session, concern.household_id)
    facts = views.CardFacts(reporter, place, household)
    if household is not None:
        for follow_up in await queries.follow_ups_of(session, household.id):
            if follow_up.concern_id == concern.id:
                owner = await session.get(User, follow_up.owner_id) if follow_up.owner_id else None
                facts.follow_ups.append((follow_up, owner))
        facts.also_open = [
            other.id
            for other in await queries.of_household(session, household.id)
            if other.id != concern.id and other.status is ConcernStatus.OPEN
        ]
    return facts


async def concern_raised(notifier: Notifier, concern: Concern) -> None:
    """The card, then the voice note or photo it came with."""
    facts = await card_facts(notifier.session, concern)
    timezone = (await notifier.community(concern.community_id)).timezone
    priority = Priority.URGENT if concern.urgent else Priority.NOTICE
    await notifier.tell_coordinators(
        lambda: (
            views.card_text(concern, facts, timezone),
            views.card_keyboard(concern),
        ),
        community_id=concern.community_id,
        kind="concern.raised",
        priority=priority,
    )  # fmt: skip
    for media in media_of(concern.voice_file_id, concern.photo_file_id):
        await notifier.tell_coordinators(
            words_only(lambda: views.voice_caption(concern)),
            community_id=concern.community_id,
            kind="concern.media",
            priority=priority,
            media=media,
        )


async def concern_closed(notifier: Notifier, told: list[tuple[Concern, User]]) -> None:
    """Each reporter who asked hears that their concern was looked into: no more."""
    for concern, reporter in told:
        await notifier.tell_user(
            reporter,
            words_only(lambda concern=concern: views.looked_into_text(concern)),
            kind="concern.looked_into",
            priority=Priority.NOTICE,
        )


async def follow_up_assigned(
    notifier: Notifier, follow_up: FollowUp, household: Household, owner: User, by: User
) -> None:
    if owner.id == by.id:
        return  # they chose it themselves, on the card
    timezone = (await notifier.community(follow_up.community_id)).timezone
    await notifier.tell_user(
        owner,
        lambda: (
            views.follow_up_assigned_text(follow_up, household, by, timezone),
            views.follow_up_keyboard(follow_up),
        ),
        kind="follow_up.assigned",
        priority=Priority.NOTICE,
    )


async def follow_up_due(notifier: Notifier, due: DueFollowUp) -> None:
    follow_up, household = due.follow_up, due.household
    timezone = (await notifier.community(follow_up.community_id)).timezone
    if due.step is Step.REMIND:
        await notifier.tell_user(
            due.owner,
            lambda: (
                views.follow_up_reminder_text(follow_up, household),
                views.follow_up_keyboard(follow_up),
            ),
            kind="follow_up.reminder",
            priority=Priority.REMINDER,
            flush=False,  # a tick queues many: written together
        )
    elif due.step is Step.FLAG:
        await notifier.tell_coordinators(
            words_only(
                lambda: views.follow_up_overdue_text(follow_up, household, due.owner, timezone)
            ),
            community_id=follow_up.community_id,
            kind="follow_up.overdue",
            priority=Priority.NOTICE,
        )
