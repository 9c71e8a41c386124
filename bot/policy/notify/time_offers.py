"""Who is told of offers of time: the community's coordinators of a new offer (its kind and
length, never the words typed: those are read in /offers) and of one withdrawn; the offerer,
in their language, when it is matched and when the time is credited."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.policy.notify import requests as notify_requests
from bot.policy.notify import wishes as notify_wishes
from bot.services.time_offers import Matched
from bot.views import time_offers as views
from bot.views import wishes as wish_views
from storage.models import TimeOffer, User


async def offer_made(notifier: Notifier, offer: TimeOffer, offerer: User) -> None:
    await notifier.tell_coordinators(
        words_only(lambda: views.new_offer_notice(offer, offerer)),
        community_id=offer.community_id,
        kind="offer.new",
        priority=Priority.NOTICE,
    )


async def offer_withdrawn(notifier: Notifier, offer: TimeOffer, offerer: User) -> None:
    await notifier.tell_coordinators(
        words_only(lambda: views.withdrawn_notice(offer, offerer)),
        community_id=offer.community_id,
        kind="offer.withdrawn",
        priority=Priority.NOTICE,
    )


async def offer_matched(notifier: Notifier, matched: Matched) -> None:
    """The offerer hears what it was matched to; a task given to them is told as any assigned
    task is (its card, its details), a lit wish as any lit wish is."""
    offer, offerer = matched.offer, matched.offerer
    if matched.task is not None:
        await notify_requests.request_assigned(notifier, matched.task, offerer, matched.previous_id)
    if matched.wish is not None:
        wish = matched.wish
        pickup = (await notifier.community(wish.community_id)).pickup_point
        await notify_wishes.wish_lit(notifier, wish, offerer)
        await notifier.tell_user(
            offerer,
            lambda: (
                views.matched_to_wish_notice(offer, wish)
                + "\n\n"
                + wish_views.lit_card(wish, wish_views.due_label(wish.due_at), pickup),
                wish_views.lit_keyboard(wish, pickup),
            ),
            kind="offer.matched",
            priority=Priority.NOTICE,
        )
        return
    request = matched.request
    assert request is not None
    assigned = matched.task is not None
    await notifier.tell_user(
        offerer,
        words_only(lambda: views.matched_to_request_notice(offer, request, assigned)),
        kind="offer.matched",
        priority=Priority.NOTICE,
    )


async def time_credited(notifier: Notifier, matched: Matched) -> None:
    offer = matched.offer
    await notifier.tell_user(
        matched.offerer,
        words_only(lambda: views.credited_notice(offer)),
        kind="offer.credited",
        priority=Priority.NOTICE,
    )
