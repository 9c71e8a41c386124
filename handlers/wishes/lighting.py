"""Lighting a wish: "🕯 Light a wish" (or /wishes) shows the verified wishes of the donor's
communities, each with "I'll light this"; the donor then has until the deadline to bring it
("📦 Delivered", "🏪 Left at the pick-up point") or gives it back. The household confirms with
one tap and may send thanks (a voice note, a photo, words) that reach the donor's chat; it
answers a coordinator's question here too. Every press is checked against the presser and the
wish's version: of two donors at once one wins, and the other is told kindly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import WishAction
from bot.context import UpdateContext
from bot.policy.notify import wishes as notify
from bot.policy.permissions import is_registered
from bot.services import wishes
from bot.services.errors import InvalidInput, NotAllowed, VolunteerNotApproved
from bot.views import wishes as views
from handlers.media import VOICE_OR_PHOTO, sent_media, words_of
from handlers.replies import (
    button_text,
    edit_pressed,
    not_registered_text,
    send_main_menu,
    stale_button_text,
)
from handlers.wishes.states import WishInput, WriteWish
from handlers.wizard import answer_now, ask
from storage.models import WishDelivery

PAGE = 5


async def _show_wishes(bot: Bot, chat_id: int, ctx: UpdateContext, offset: int = 0) -> None:
    try:
        found, total = await wishes.open_for(
            ctx.session, ctx.person, settings=ctx.settings, limit=PAGE, offset=offset
        )
    except NotAllowed:
        await bot.send_message(chat_id, views.gone_text())
        return
    if offset == 0:
        await bot.send_message(chat_id, views.wishes_header(total))
    for wish in found:
        await bot.send_message(
            chat_id, views.donor_card(wish), reply_markup=views.light_keyboard(wish)
        )
    if offset + PAGE < total:
        await bot.send_message(
            chat_id,
            views.more_text(total - offset - PAGE),
            reply_markup=views.more_keyboard(offset + PAGE),
        )


async def show_wishes(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    if message.chat.type != "private":
        await message.answer(views.private_only_text())
        return
    if not is_registered(ctx.person):
        await message.answer(not_registered_text())
        return
    await state.clear()
    await _show_wishes(bot, message.chat.id, ctx)


async def on_action(
    callback: CallbackQuery,
    callback_data: WishAction,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message = callback.message
    step = ACTIONS.get(callback_data.action)
    if step is None or not isinstance(message, Message) or message.chat.id < 0:
        await callback.answer(stale_button_text())
        return
    await step(callback, callback_data, message, state, ctx, bot)


async def act_more(
    callback: CallbackQuery,
    data: WishAction,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    await answer_now(callback)
    await edit_pressed(callback, None, None)
    await _show_wishes(bot, message.chat.id, ctx, offset=data.wish_id)


async def act_light(
    callback: CallbackQuery,
    data: WishAction,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        wish = await wishes.light(
            ctx.session,
            ctx.person,
            data.wish_id,
            data.version,
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except wishes.WishTaken as taken:
        if ctx.person is not None and taken.wish.donor_id == ctx.person.id:  # a double tap
            await callback.answer(views.thank_you_text())
            return
        await callback.answer()
        await edit_pressed(callback, None, None)
        await bot.send_message(message.chat.id, views.taken_text())
        await _show_wishes(bot, message.chat.id, ctx)
        return
    except wishes.WishChanged as changed:
        await callback.answer(views.changed_text(), show_alert=True)
        fresh = changed.wish
        if fresh.status is fresh.status.OPEN:
            await edit_pressed(callback, views.donor_card(fresh), views.light_keyboard(fresh))
        else:
            await edit_pressed(callback, None, None)
        return
    except VolunteerNotApproved:
        await callback.answer(views.only_volunteers_text(), show_alert=True)
        return
    except (wishes.WishNotFound, NotAllowed):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert ctx.person is not None
    await notify.wish_lit(ctx.notifier, wish, ctx.person)
    await callback.answer(views.thank_you_text())
    pickup = (await ctx.notifier.community(wish.community_id)).pickup_point
    await edit_pressed(
        callback,
        views.lit_card(wish, views.due_label(wish.due_at), pickup),
        views.lit_keyboard(wish, pickup),
    )


async def act_donor(
    callback: CallbackQuery,
    data: WishAction,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """ "Delivered", "Left at the pick-up point", "I can't after all"."""
    try:
        if data.action == "release":
            wish = await wishes.release(
                ctx.session, ctx.person, data.wish_id, data.version, clock=ctx.clock
            )
        else:
            how = WishDelivery.PICKUP if data.action == "pickup" else WishDelivery.VOLUNTEER
            if how is WishDelivery.PICKUP and not await wishes.pickup_point_for(
                ctx.session, ctx.settings, data.wish_id
            ):
                raise wishes.WishNotFound()
            wish = await wishes.mark_delivered(
                ctx.session, ctx.person, data.wish_id, data.version, how, clock=ctx.clock
            )
    except wishes.WishChanged:
        await callback.answer(stale_button_text(), show_alert=True)
        await edit_pressed(callback, None, None)
        return
    except (wishes.WishNotFound, NotAllowed):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert ctx.person is not None
    await callback.answer()
    if data.action == "release":
        await notify.wish_released(ctx.notifier, wish, ctx.person)
        await edit_pressed(callback, views.released_card(wish), None)
    else:
        await notify.wish_delivered(ctx.notifier, wish, ctx.person, ctx.settings)
        await edit_pressed(callback, views.delivered_card(wish), None)


async def act_received(
    callback: CallbackQuery,
    data: WishAction,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """One tap by the household; then she may send thanks."""
    try:
        wish = await wishes.confirm_received(
            ctx.session, ctx.person, data.wish_id, clock=ctx.clock, settings=ctx.settings
        )
    except wishes.WishChanged:
        await callback.answer(stale_button_text())
        await edit_pressed(callback, None, None)
        return
    except wishes.WishNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert ctx.person is not None
    await notify.wish_received(ctx.notifier, wish, ctx.person)
    await callback.answer()
    await edit_pressed(callback, None, None)
    await state.set_state(WishInput.thanks)
    await state.update_data(wish_id=wish.id)
    await ask(
        message,
        state,
        None,
        views.received_text(),
        placeholder=views.thanks_placeholder(),
        stop=True,
    )


async def act_answer(
    callback: CallbackQuery,
    data: WishAction,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        wish = await wishes.posted_wish(ctx.session, ctx.person, data.wish_id)
    except wishes.WishNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await callback.answer()
    await state.set_state(WishInput.answer)
    await state.update_data(wish_id=wish.id)
    await ask(
        message,
        state,
        None,
        views.answer_question(),
        placeholder=views.answer_placeholder(),
        stop=True,
    )


ACTIONS: dict[str, Callable[..., Awaitable[None]]] = {
    "more": act_more,
    "light": act_light,
    "release": act_donor,
    "given": act_donor,
    "pickup": act_donor,
    "got": act_received,
    "answer": act_answer,
}


async def typed_by_household(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """Her answer to a coordinator's question, or her thanks to the donor: words, a voice
    note or a photo."""
    current = await state.get_state()
    wish_id = int((await state.get_data()).get("wish_id", 0))
    media = sent_media(message)
    text = words_of(message)
    person = ctx.person
    assert person is not None
    try:
        if current == WishInput.answer.state:
            wish = await wishes.posted_wish(ctx.session, person, wish_id)
            answer = wishes.clean_question(text) if text or media is None else ""
            await notify.wish_answered(ctx.notifier, wish, answer, media)
            reply = views.answer_sent_text()
        else:
            wish = await wishes.send_thanks(
                ctx.session, person, wish_id, text=text,
                voice_file_id=media.file_id if media and media.kind == "voice" else None,
                photo_file_id=media.file_id if media and media.kind == "photo" else None,
                clock=ctx.clock,
            )  # fmt: skip
            await notify.wish_thanked(ctx.notifier, wish)
            reply = views.thanks_sent_text()
    except InvalidInput:
        await message.answer(views.too_long_text())
        return
    except (wishes.WishNotFound, wishes.WishChanged):
        await state.clear()
        await send_main_menu(bot, message.chat.id, person, views.gone_text())
        return
    await state.clear()
    await send_main_menu(bot, message.chat.id, person, reply)


async def not_usable(message: Message) -> None:
    await message.answer(views.voice_or_words_please())


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="wish_lighting")
    private = F.chat.type == "private"
    menu_at = StateFilter(None, *WriteWish.__all_states__, *WishInput.__all_states__)
    router.message.register(show_wishes, Command("wishes"))
    router.message.register(show_wishes, private, menu_at, button_text("🕯 Light a wish"))
    router.callback_query.register(on_action, WishAction.filter())
    typing = StateFilter(WishInput.answer, WishInput.thanks)
    router.message.register(typed_by_household, typing, F.text | VOICE_OR_PHOTO)
    router.message.register(not_usable, typing)
    return router
