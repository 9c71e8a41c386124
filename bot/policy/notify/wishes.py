"""Who is told what about a small wish: the coordinators of its community (a card to verify it,
then each step), the household's members who use the bot, the donor. A donor is never told
the household's label, code or address; the household is never told who the donor is."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.delivery.notifier import Notifier, Render, Rendered, words_only
from bot.delivery.outbox import Priority
from bot.policy.notify.request_cards import tell_coordinators
from bot.services import wishes
from bot.services.media import Media, media_of
from bot.views import wishes as views
from storage.models import Household, User, Wish
from storage.repositories import households as household_queries
from storage.repositories import users as user_queries


async def _household(notifier: Notifier, wish: Wish) -> Household | None:
    return await household_queries.get(notifier.session, wish.household_id)


async def _to_household(
    notifier: Notifier, wish: Wish, render: Render, *, kind: str, media: Media | None = None
) -> int:
    """To each member of the household who uses the bot; how many were told."""
    told = 0
    for member in await wishes.household_members(notifier.session, wish):
        if await notifier.tell_user(
            member, render, kind=kind, priority=Priority.NOTICE, media=media
        ):
            told += 1
    return told


async def _to_coordinators(
    notifier: Notifier,
    wish: Wish,
    text: Callable[[], str],
    *,
    kind: str,
    actor: User | None = None,
    buttons: bool = False,
    media: Media | None = None,
) -> None:
    """Never to a coordinator about their own action (see `tell_coordinators`)."""
    await tell_coordinators(
        notifier,
        lambda: (text(), views.review_keyboard(wish) if buttons else None),
        community_id=wish.community_id,
        kind=kind,
        priority=Priority.NOTICE,
        actor=actor,
        media=media,
    )


async def _to_donor(
    notifier: Notifier,
    donor_id: int | None,
    render: Render,
    *,
    kind: str,
    media: Media | None = None,
) -> None:
    donor = await user_queries.get_by_id(notifier.session, donor_id) if donor_id else None
    await notifier.tell_user(donor, render, kind=kind, priority=Priority.NOTICE, media=media)


async def wish_posted(notifier: Notifier, wish: Wish) -> None:
    """A new wish: its card to the coordinators, then her voice note or photo. A wish a
    coordinator wrote for a household is checked like any other (by the group, or by
    themselves), so its card reaches them too."""
    household = await _household(notifier, wish)
    await _to_coordinators(
        notifier, wish, lambda: views.coordinator_card(wish, household),
        kind="wish.new", buttons=True,
    )  # fmt: skip
    for media in media_of(wish.voice_file_id, wish.photo_file_id):
        await _to_coordinators(
            notifier, wish, lambda: views.media_caption(wish), kind="wish.media", media=media
        )


async def wish_approved(notifier: Notifier, wish: Wish) -> None:
    """The household hears it was checked; the volunteers' group reads the donor's card (the
    approved words, the form of address, the age band, the area: never the address)."""
    render = words_only(lambda: views.approved_notice(wish))
    await _to_household(notifier, wish, render, kind="wish.approved")
    await notifier.tell_volunteers_group(
        words_only(lambda: views.group_announcement(wish)),
        community_id=wish.community_id,
        kind="wish.published",
        priority=Priority.NOTICE,
    )


async def wish_declined(notifier: Notifier, wish: Wish) -> None:
    render = words_only(lambda: views.declined_notice(wish))
    await _to_household(notifier, wish, render, kind="wish.declined")


async def wish_question(
    notifier: Notifier, wish: Wish, question: str, media: Media | None = None
) -> int:
    """To the household's members, with the button to answer (said by voice: that voice note,
    the words under it); how many were told."""

    def render() -> Rendered:
        text = views.question_notice(wish, question) if question else views.question_by_voice(wish)
        return text, views.answer_keyboard(wish)

    return await _to_household(notifier, wish, render, kind="wish.question", media=media)


async def wish_answered(notifier: Notifier, wish: Wish, answer: str, media: Media | None) -> None:
    await _to_coordinators(
        notifier, wish, lambda: views.answer_notice(wish, answer), kind="wish.answer", media=media
    )


async def wish_lit(notifier: Notifier, wish: Wish, donor: User) -> None:
    household = await _household(notifier, wish)
    await _to_coordinators(
        notifier, wish, lambda: views.lit_to_coordinators(wish, household, donor),
        kind="wish.lit", actor=donor,
    )  # fmt: skip
    await _to_household(notifier, wish, words_only(lambda: views.lit_notice(wish)), kind="wish.lit")


async def wish_released(notifier: Notifier, wish: Wish, donor: User) -> None:
    household = await _household(notifier, wish)
    await _to_coordinators(
        notifier, wish, lambda: views.released_to_coordinators(wish, household),
        kind="wish.released", actor=donor,
    )  # fmt: skip


async def wish_delivered(notifier: Notifier, wish: Wish, donor: User, settings: Settings) -> None:
    """The household is asked to confirm with one tap; the coordinators may confirm for a
    household without a phone."""
    household = await _household(notifier, wish)
    pickup = (await notifier.community(wish.community_id)).pickup_point
    await _to_household(
        notifier, wish,
        lambda: (views.arrived_notice(wish, pickup), views.received_keyboard(wish)),
        kind="wish.delivered",
    )  # fmt: skip
    await _to_coordinators(
        notifier, wish, lambda: views.delivered_to_coordinators(wish, household),
        kind="wish.delivered", actor=donor, buttons=True,
    )  # fmt: skip


async def wish_received(notifier: Notifier, wish: Wish, by: User) -> None:
    household = await _household(notifier, wish)
    render = words_only(lambda: views.received_to_donor(wish))
    await _to_donor(notifier, wish.donor_id, render, kind="wish.received")
    await _to_coordinators(
        notifier, wish, lambda: views.received_to_coordinators(wish, household),
        kind="wish.received", actor=by,
    )  # fmt: skip


async def wish_thanked(notifier: Notifier, wish: Wish) -> None:
    """Her thanks reach the donor's chat: her voice note (or photo), her words under it."""
    words = wish.thanks_text or ""
    found = media_of(wish.thanks_voice_file_id, wish.thanks_photo_file_id)
    render = words_only(lambda: views.thanks_to_donor(wish, words))
    first = found[0] if found else None
    await _to_donor(notifier, wish.donor_id, render, kind="wish.thanks", media=first)
    for media in found[1:]:
        await _to_donor(notifier, wish.donor_id, render, kind="wish.thanks", media=media)


async def wish_reminded(notifier: Notifier, wish: Wish, settings: Settings) -> None:
    pickup = (await notifier.community(wish.community_id)).pickup_point

    def render() -> Rendered:
        due = views.due_label(wish.due_at)
        return views.reminder(wish, due), views.lit_keyboard(wish, pickup)

    await _to_donor(notifier, wish.donor_id, render, kind="wish.reminder")


async def wish_lapsed(notifier: Notifier, wish: Wish, donor_id: int | None) -> None:
    household = await _household(notifier, wish)
    render = words_only(lambda: views.lapsed_to_donor(wish))
    await _to_donor(notifier, donor_id, render, kind="wish.lapsed")
    await _to_coordinators(
        notifier, wish, lambda: views.lapsed_to_coordinators(wish, household), kind="wish.lapsed"
    )
