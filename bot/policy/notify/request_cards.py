"""The cards of a help request stay true: every message that shows a request (the coordinators'
card, the volunteers' group post, the holder's card, a volunteer's browsing copy, the
resident's own) is recorded where it was shown, and every change of the request edits each to
what is true now, in the language it was written in, with only the buttons that still apply.

Also here: the coordinators' cards and notices fanned out with the rule that a coordinator is
not told of their own action (a lone coordinator who approves and takes a task hears nothing
of it from the bot)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery import cards as card_delivery
from bot.delivery.notifier import Notifier, Render, Rendered
from bot.delivery.outbox import Priority
from bot.i18n import recipient_locale
from bot.policy.permissions import is_coordinator
from bot.services.media import Media
from bot.views import review as review_views
from bot.views import volunteering as volunteer_views
from bot.views.request_keyboards import cancel_keyboard, review_keyboard
from bot.views.texts import resident_card
from storage.models import CardAudience, HelpRequest, OutboxMessage, RequestCard, User
from storage.repositories import cards as card_queries
from storage.repositories import users as user_queries

_FRESH = "linli.fresh_cards"  # in session.info: the outbox rows of the cards queued just now
Pressed = tuple[int, int]
SentCard = tuple[HelpRequest, int, int, Rendered]
"""A card just sent as a new message: its request, chat id, message id and what it shows."""
"""(chat id, message id) of the card whose button was pressed: its handler edits it itself."""


@dataclass
class CardFacts:
    """What the cards of one request show besides the request itself."""

    resident: User | None
    holder: User | None
    from_checkin: bool
    latest_post: int | None  # the newest group post: only it keeps the claim button


async def _locale(notifier: Notifier, chat_id: int, user: User | None) -> str:
    """A group's card in the group's language, a person's in theirs."""
    if chat_id < 0 or user is None:
        return await notifier.group_locale(chat_id)
    return recipient_locale(user, notifier.settings.default_locale)


async def queued(
    notifier: Notifier,
    request: HelpRequest,
    audience: CardAudience,
    row: OutboxMessage | None,
    user: User | None = None,
) -> None:
    """A card put in the outbox (`row`), to be kept true from now on."""
    await _queued_all(notifier, request, audience, [(row, user)] if row is not None else [])


async def _queued_all(
    notifier: Notifier,
    request: HelpRequest,
    audience: CardAudience,
    rows: list[tuple[OutboxMessage, User | None]],
) -> None:
    """Cards put in the outbox (rows flushed), written in one statement."""
    session = notifier.session
    cards = []
    for row, user in rows:
        payload = row.payload
        cards.append(
            card_queries.new_card(
                request_id=request.id,
                audience=audience,
                chat_id=row.chat_id,
                locale=await _locale(notifier, row.chat_id, user),
                now=notifier.clock.now(),
                user_id=user.id if user else None,
                outbox_id=row.id,
                shown=card_delivery.payload_digest(
                    payload.get("text", ""), payload.get("reply_markup")
                ),
            )
        )
    await card_queries.add_many(session, cards)
    # written just now for this very change: the refresh that follows leaves its words alone
    session.info.setdefault(_FRESH, set()).update(row.id for row, _user in rows)


async def replied(
    notifier: Notifier,
    request: HelpRequest,
    audience: CardAudience,
    pressed: Pressed,
    user: User | None,
    shown: Rendered | None = None,
) -> None:
    """A card sent (or made, by an edit) as a direct reply, to be kept true from now on."""
    chat_id, message_id = pressed
    text, markup = shown if shown else ("", None)
    await card_queries.add(
        notifier.session,
        request_id=request.id,
        audience=audience,
        chat_id=chat_id,
        locale=await _locale(notifier, chat_id, user),
        now=notifier.clock.now(),
        user_id=user.id if user else None,
        message_id=message_id,
        shown=card_delivery.digest(text, markup) if shown else None,
    )


async def sent(
    notifier: Notifier,
    audience: CardAudience,
    shown: list[SentCard],
    user: User | None,
) -> None:
    """Cards just sent as new messages, to be kept true from now on: recorded together after
    the sending (one write, not one before each next message)."""
    cards = [
        card_queries.new_card(
            request_id=request.id,
            audience=audience,
            chat_id=chat_id,
            locale=await _locale(notifier, chat_id, user),
            now=notifier.clock.now(),
            user_id=user.id if user else None,
            message_id=message_id,
            shown=card_delivery.digest(text, markup),
        )
        for request, chat_id, message_id, (text, markup) in shown
    ]
    await card_queries.add_many(notifier.session, cards)


async def _facts(notifier: Notifier, request: HelpRequest, cards: list[RequestCard]) -> CardFacts:
    session = notifier.session
    resident = await user_queries.get_by_id(session, request.resident_id)
    holder = (
        await user_queries.get_by_id(session, request.volunteer_id)
        if request.volunteer_id
        else None
    )
    posts = [card.id for card in cards if card.audience is CardAudience.GROUP]
    return CardFacts(
        resident=resident,
        holder=holder,
        from_checkin=await card_queries.came_from_checkin(session, request.id),
        latest_post=max(posts) if posts else None,
    )


def render(card: RequestCard, request: HelpRequest, facts: CardFacts) -> Rendered:
    """What `card` should show now (in the language set around the call)."""
    match card.audience:
        case CardAudience.COORDINATORS:
            if facts.resident is None:
                return volunteer_views.browse_card(request)[0], None
            text = review_views.coordinator_card(
                request, facts.resident, holder=facts.holder, from_checkin=facts.from_checkin
            )
            return text, review_keyboard(request)
        case CardAudience.GROUP:
            return volunteer_views.group_post(request, latest=card.id == facts.latest_post)
        case CardAudience.BROWSE:
            return volunteer_views.browse_card(request)
        case CardAudience.HOLDER:
            holds = card.user_id is not None and card.user_id == request.volunteer_id
            return volunteer_views.holder_card(request, facts.resident, holds=holds)
        case _:
            return resident_card(request), cancel_keyboard(request)


async def refresh(
    notifier: Notifier, request: HelpRequest, *, pressed: Pressed | None = None
) -> int:
    """Edit every card of `request` to what is true now (but the pressed one, which its
    handler edits). Returns how many edits were queued."""
    session = notifier.session
    cards = list(await card_queries.of_request(session, request.id))
    if not cards:
        return 0
    facts = await _facts(notifier, request, cards)
    fresh = session.info.get(_FRESH, set())
    edits = 0
    for card in cards:
        if card.message_id is None and card.outbox_id is not None:
            _status, card.message_id = await card_queries.outbox_row(session, card.outbox_id)
        if card.outbox_id is not None and card.outbox_id in fresh:
            continue
        if pressed is not None and (card.chat_id, card.message_id) == pressed:
            card.shown = None  # the handler shows it; whatever it shows, the next change edits it
            continue
        with notifier.i18n.context(), notifier.i18n.use_locale(card.locale):
            text, markup = render(card, request, facts)
        if await card_delivery.show(session, card, text, markup, clock=notifier.clock):
            edits += 1
    await session.flush()
    return edits


async def tell_coordinators(
    notifier: Notifier,
    render_message: Render,
    *,
    community_id: int,
    kind: str,
    priority: Priority,
    actor: User | None = None,
    card_of: HelpRequest | None = None,
    media: Media | None = None,
) -> int:
    """To the coordinators' group, else to each coordinator privately, as the Notifier does;
    but never to `actor` about their own action (nor to the group when the actor is its only
    coordinator). With `card_of`, each message is a card of that request, kept true."""
    everyone = await notifier.coordinators_of(community_id)
    others = [c for c in everyone if actor is None or c.id != actor.id]
    chat = (await notifier.community(community_id)).coordinator_chat_id
    if chat is not None:
        if is_coordinator(actor) and not others:
            return 0
        row = await notifier.tell_chat(
            chat,
            await notifier.group_locale(chat),
            render_message,
            kind=kind,
            priority=priority,
            media=media,
        )
        if card_of is not None:
            await queued(notifier, card_of, CardAudience.COORDINATORS, row)
        return 1
    told: list[tuple[OutboxMessage, User | None]] = []
    for coordinator in others:  # one flush for all the rows, one for all the cards
        row = await notifier.tell_user(
            coordinator, render_message, kind=kind, priority=priority, media=media, flush=False
        )
        if row is not None:
            told.append((row, coordinator))
    if told:
        await notifier.session.flush()
    if card_of is not None:
        await _queued_all(notifier, card_of, CardAudience.COORDINATORS, told)
    return len(told)


async def came_from_checkin(notifier: Notifier, request: HelpRequest) -> bool:
    return await card_queries.came_from_checkin(notifier.session, request.id)
