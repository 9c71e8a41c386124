"""A resident's own requests once asked: see them, cancel one, rate the help (and comment),
answer a coordinator's question."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import RequestAction
from bot.context import UpdateContext
from bot.policy.notify import request_cards as cards
from bot.policy.notify import requests as notify
from bot.policy.permissions import Action, is_registered
from bot.services import requests
from bot.services.errors import InvalidInput, RatingInvalid, RequestChanged, RequestNotFound
from bot.views.asking import invalid_text
from bot.views.request_keyboards import cancel_confirm_keyboard, cancel_keyboard, comment_keyboard
from bot.views.texts import resident_card
from handlers.media import VOICE_OR_PHOTO, sent_media, words_of
from handlers.replies import (
    edit_pressed,
    not_registered_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
    stop_hint,
)
from handlers.requests.states import AfterRequest
from handlers.wizard import ask, pressed_then_ask
from storage.models import CardAudience, HelpRequest

FINISHED = requests.FINISHED


def _not_found_text() -> str:
    return _("Sorry, I could not find that request. Please look in “📋 My requests”.")


async def _not_found(callback: CallbackQuery) -> None:
    await callback.answer(_not_found_text(), show_alert=True)


async def _own_request(
    callback: CallbackQuery, callback_data: RequestAction, ctx: UpdateContext
) -> HelpRequest | None:
    """The presser's own request the button is about; None (and told so) if there is none."""
    try:
        return await requests.own_request(ctx.session, ctx.person, callback_data.request_id)
    except RequestNotFound:
        await _not_found(callback)
        return None


async def _finished(callback: CallbackQuery, request: HelpRequest) -> None:
    await callback.answer(_("This request is already finished."), show_alert=True)
    await edit_pressed(callback, resident_card(request), None)


async def refuse_if_not_resident(message: Message, ctx: UpdateContext) -> bool:
    """Only registered residents ask for help and see their requests, in their private chat
    (never in a group, where others would read it); everyone else is told why, kindly."""
    if message.chat.type != "private":
        await message.answer(_("Please use this in your private chat with me."))
        return True
    if not is_registered(ctx.person):
        await message.answer(not_registered_text())
        return True
    if not ctx.may(Action.ASK_FOR_HELP):
        await message.answer(
            _(
                "Asking for help is for residents. If a neighbour needs help, "
                "ask them to write to me."
            )
        )
        return True
    return False


async def show_my_requests(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if await refuse_if_not_resident(message, ctx):
        return
    await state.clear()
    mine = await requests.requests_of(ctx.session, ctx.person)
    if not mine:
        await message.answer(
            _(
                "You have no requests yet. When you need a hand, tap what it is about on the "
                "menu below 👇"
            )
        )
        return
    await message.answer(_("<b>Your requests</b>"))
    sent: list[cards.SentCard] = []
    try:
        for request in mine[:10]:
            shown = resident_card(request), cancel_keyboard(request)
            card = await message.answer(shown[0], reply_markup=shown[1])
            sent.append((request, message.chat.id, card.message_id, shown))
    finally:  # the cards sent are kept true, recorded together (one write)
        await cards.sent(ctx.notifier, CardAudience.RESIDENT, sent, ctx.person)


# cancelling


async def ask_cancel(
    callback: CallbackQuery, callback_data: RequestAction, ctx: UpdateContext
) -> None:
    request = await _own_request(callback, callback_data, ctx)
    if request is None:
        return
    if request.status in FINISHED:
        await _finished(callback, request)
        return
    await callback.answer()
    text = resident_card(request) + "\n\n" + _("Cancel this request?")
    await edit_pressed(callback, text, cancel_confirm_keyboard(request))


async def keep_request(
    callback: CallbackQuery, callback_data: RequestAction, ctx: UpdateContext
) -> None:
    request = await _own_request(callback, callback_data, ctx)
    if request is None:
        return
    await callback.answer()
    await edit_pressed(callback, resident_card(request), cancel_keyboard(request))


async def confirm_cancel(
    callback: CallbackQuery, callback_data: RequestAction, ctx: UpdateContext
) -> None:
    try:
        request, volunteer_id = await requests.cancel_request(
            ctx.session, ctx.person, callback_data.request_id, clock=ctx.clock
        )
    except RequestNotFound:
        await _not_found(callback)
        return
    except RequestChanged:
        request = await requests.own_request(ctx.session, ctx.person, callback_data.request_id)
        await _finished(callback, request)
        return
    pressed = callback.message
    await notify.request_cancelled(
        ctx.notifier,
        request,
        volunteer_id,
        pressed=(pressed.chat.id, pressed.message_id) if pressed else None,
    )
    await callback.answer(_("Cancelled."))
    await edit_pressed(callback, resident_card(request), None)


# rating and comments


async def rated(callback: CallbackQuery, callback_data: RequestAction, ctx: UpdateContext) -> None:
    try:
        before = await requests.own_request(ctx.session, ctx.person, callback_data.request_id)
        previous = before.rating
        request = await requests.rate_request(
            ctx.session, ctx.person, callback_data.request_id, callback_data.value, clock=ctx.clock
        )
    except RequestNotFound:
        await _not_found(callback)
        return
    except RatingInvalid:
        await callback.answer(stale_button_text())
        return
    except RequestChanged:
        await callback.answer(_("This request cannot be rated yet."), show_alert=True)
        return
    await notify.request_rated(ctx.notifier, request, previous)
    await callback.answer()
    text = _(
        "Thank you! You gave request no. {ref} {stars}.\nWould you like to add a comment?"
    ).format(ref=requests.reference(request), stars="⭐" * (request.rating or 0))
    await edit_pressed(callback, text, comment_keyboard(request))


async def wants_to_comment(
    callback: CallbackQuery, callback_data: RequestAction, state: FSMContext, ctx: UpdateContext
) -> None:
    request = await _own_request(callback, callback_data, ctx)
    if request is None:
        return
    await state.update_data(request_id=request.id)
    await pressed_then_ask(
        callback,
        state,
        AfterRequest.comment,
        _(
            "Please write your comment, or send a voice message 🎤. If you changed your mind, "
            "tap “✖️ Stop”."
        ),
        note=_("💬 Add a comment"),
        placeholder=_("Your comment for the coordinators"),
        stop=True,
    )


async def no_comment(callback: CallbackQuery, callback_data: RequestAction) -> None:
    await callback.answer()
    await retire_buttons(callback, _("No, thanks"))


async def got_comment(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    try:
        media = sent_media(message)
        request = await requests.comment_on_request(
            ctx.session, ctx.person, request_id, words_of(message), clock=ctx.clock, media=media
        )
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    except (RequestNotFound, RequestChanged):
        await state.clear()
        await message.answer(_not_found_text())
        return
    await state.clear()
    await notify.request_feedback(ctx.notifier, request, media)
    await send_main_menu(
        bot,
        message.chat.id,
        ctx.person,
        _("Thank you! Your comment was passed to the coordinators."),
    )


async def text_please(message: Message) -> None:
    """A sticker, a contact... where her words or her voice were asked for."""
    await message.answer(
        _("Please type it in words ✍️, or send a voice message 🎤.") + " " + stop_hint()
    )


# answering a coordinator's question


async def wants_to_answer(
    callback: CallbackQuery, callback_data: RequestAction, state: FSMContext, ctx: UpdateContext
) -> None:
    request = await _own_request(callback, callback_data, ctx)
    if request is None:
        return
    if request.status in FINISHED:
        await callback.answer(_("This request is already finished."), show_alert=True)
        return
    await callback.answer()
    await state.update_data(request_id=request.id)
    if isinstance(callback.message, Message):
        await ask(
            callback.message,
            state,
            AfterRequest.answer,
            _("Please type your answer, or send a voice message 🎤."),
            placeholder=_("Your answer to the coordinator"),
        )


async def got_answer(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    try:
        media = sent_media(message)
        request, answer = await requests.record_answer(
            ctx.session, ctx.person, request_id, words_of(message), clock=ctx.clock, media=media
        )
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    except (RequestNotFound, RequestChanged):
        await state.clear()
        await message.answer(_("This request is already finished."))
        return
    await state.clear()
    await notify.request_answered(ctx.notifier, request, answer, media)
    await send_main_menu(
        bot,
        message.chat.id,
        ctx.person,
        _("Thank you! I passed your answer on."),
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several).
    Its menu entries are in `handlers.requests.asking`, whose router comes first."""
    router = Router(name="my_requests")
    action = RequestAction.filter
    router.callback_query.register(ask_cancel, action(F.action == "cancel"))
    router.callback_query.register(confirm_cancel, action(F.action == "cancel_yes"))
    router.callback_query.register(keep_request, action(F.action == "keep"))
    router.callback_query.register(rated, action(F.action == "rate"))
    router.callback_query.register(wants_to_comment, action(F.action == "comment"))
    router.callback_query.register(no_comment, action(F.action == "nocomment"))
    router.message.register(got_comment, AfterRequest.comment, F.text | VOICE_OR_PHOTO)
    router.callback_query.register(wants_to_answer, action(F.action == "answer"))
    router.message.register(got_answer, AfterRequest.answer, F.text | VOICE_OR_PHOTO)
    router.message.register(text_please, StateFilter(*AfterRequest.__all_states__))
    return router
