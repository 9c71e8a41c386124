"""/offers: the coordinators' list of offers of time in their communities (first name, what,
how long, when free; never a phone or an address), each with 🔗 Match to a request,
🌟 Match to a wish (when the offerer may take one on) and ✅ Done: credit time. In a private
chat only: the offerer's own words are on the cards."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import OfferAction
from bot.context import UpdateContext
from bot.middlewares.commit import answered_callbacks
from bot.policy.notify import time_offers as notify
from bot.policy.permissions import Action
from bot.services import time_offers as offers
from bot.services.errors import DomainError, VolunteerNotApproved
from bot.services.time_offers import OfferChanged
from bot.views import time_offers as views
from handlers.audience import PRIVATE, for_audience
from handlers.replies import button_text, edit_pressed, retire_buttons, stale_button_text
from handlers.wizard import answer_now
from storage.models import OfferStatus, TimeOffer, User


async def _card(
    ctx: UpdateContext, offer: TimeOffer, offerer: User, note: str = ""
) -> tuple[str, InlineKeyboardMarkup | None]:
    may_wish = offer.status is OfferStatus.OPEN and await offers.may_hold(
        ctx.session, ctx.settings, offerer, offer.community_id
    )
    return views.offer_card(offer, offerer, note), views.offer_keyboard(
        offer, may_take_wish=may_wish
    )


async def list_offers(message: Message, ctx: UpdateContext) -> None:
    if message.chat.type != "private":
        await message.answer(views.private_only_text())
        return
    found = await offers.offers_for(ctx.session, ctx.person, settings=ctx.settings)
    if not found:
        await message.answer(views.no_offers_text())
        return
    await message.answer(views.offers_title(len(found)))
    for offer, offerer in found:
        text, markup = await _card(ctx, offer, offerer)
        await message.answer(text, reply_markup=markup)


async def _say(callback: CallbackQuery, text: str) -> None:
    """A pop-up, or a message when the press was answered already (before the step's work)."""
    answered = answered_callbacks.get()
    if answered is not None and callback.id in answered:
        if isinstance(callback.message, Message):
            await callback.message.answer(text)
        return
    await callback.answer(text, show_alert=True)


async def _refused(callback: CallbackQuery, ctx: UpdateContext, error: DomainError) -> None:
    """A kind answer; a card that changed meanwhile is shown as it is now."""
    if isinstance(error, VolunteerNotApproved):
        await _say(callback, views.only_volunteers_for_wishes())
        return
    if not isinstance(error, OfferChanged):
        await _say(callback, stale_button_text())
        return
    await _say(callback, views.already_done_text(error.offer))
    offerer = await offers.offer_for_coordinator(
        ctx.session, ctx.person, error.offer.id, settings=ctx.settings
    )
    await edit_pressed(callback, *await _card(ctx, error.offer, offerer[2]))


async def offer_pressed(
    callback: CallbackQuery, callback_data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    message = callback.message
    if not isinstance(message, Message) or message.chat.type != "private":
        await callback.answer(views.private_only_text(), show_alert=True)
        return
    try:
        await STEPS.get(callback_data.action, _unknown)(callback, callback_data, ctx, bot)
    except DomainError as error:
        await _refused(callback, ctx, error)


async def _unknown(callback: CallbackQuery, *_: object) -> None:
    await callback.answer(stale_button_text(), show_alert=True)


async def _fresh(ctx: UpdateContext, data: OfferAction) -> None:
    """A picker is drawn only from the card as it still is (else `OfferChanged`)."""
    _coordinator, offer, _offerer = await offers.offer_for_coordinator(
        ctx.session, ctx.person, data.offer_id, settings=ctx.settings
    )
    if offer.version != data.version or offer.status is not OfferStatus.OPEN:
        raise OfferChanged(offer)


async def step_requests(
    callback: CallbackQuery, data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    await _fresh(ctx, data)
    found = await offers.requests_to_match(
        ctx.session, ctx.person, data.offer_id, settings=ctx.settings
    )
    offer = await _offer(ctx, data)
    text, markup = views.request_picker(offer, found)
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await callback.answer()
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def step_wishes(
    callback: CallbackQuery, data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    await _fresh(ctx, data)
    found = await offers.wishes_to_match(
        ctx.session, ctx.person, data.offer_id, settings=ctx.settings
    )
    text, markup = views.wish_picker(await _offer(ctx, data), found)
    if markup is None:
        await callback.answer(text, show_alert=True)
        return
    await callback.answer()
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def _offer(ctx: UpdateContext, data: OfferAction) -> TimeOffer:
    return (
        await offers.offer_for_coordinator(
            ctx.session, ctx.person, data.offer_id, settings=ctx.settings
        )
    )[1]


async def _matched(
    callback: CallbackQuery, ctx: UpdateContext, bot: Bot, matched: offers.Matched
) -> None:
    await notify.offer_matched(ctx.notifier, matched)
    assert ctx.person is not None
    await retire_buttons(callback, views.matched_note(ctx.person))
    text, markup = await _card(ctx, matched.offer, matched.offerer)
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def step_pick_request(
    callback: CallbackQuery, data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    await answer_now(callback)
    matched = await offers.match_to_request(
        ctx.session, ctx.person, data.offer_id, data.version, data.value,
        clock=ctx.clock, settings=ctx.settings,
    )  # fmt: skip
    await _matched(callback, ctx, bot, matched)


async def step_pick_wish(
    callback: CallbackQuery, data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    await answer_now(callback)
    matched = await offers.match_to_wish(
        ctx.session, ctx.person, data.offer_id, data.version, data.value,
        clock=ctx.clock, settings=ctx.settings,
    )  # fmt: skip
    await _matched(callback, ctx, bot, matched)


async def step_done(
    callback: CallbackQuery, data: OfferAction, ctx: UpdateContext, bot: Bot
) -> None:
    matched = await offers.mark_given(
        ctx.session, ctx.person, data.offer_id, data.version, clock=ctx.clock,
        settings=ctx.settings,
    )  # fmt: skip
    await notify.time_credited(ctx.notifier, matched)
    assert ctx.person is not None
    await callback.answer()
    note = views.credited_note(matched.offer, ctx.person)
    await edit_pressed(callback, views.offer_card(matched.offer, matched.offerer, note))


STEPS = {
    "req": step_requests,
    "wish": step_wishes,
    "reqpick": step_pick_request,
    "wishpick": step_pick_wish,
    "done": step_done,
}


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(
        Router(name="offers_board"), Action.MATCH_OFFERS, views.only_coordinators_text
    )
    router.message.register(list_offers, Command("offers"))
    router.message.register(list_offers, PRIVATE, button_text("🤝 Offers of time"))
    router.callback_query.register(offer_pressed, OfferAction.filter(F.action != "withdraw"))
    return router
