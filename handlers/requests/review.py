"""Coordinators check new requests: approve and publish, change the category or urgency, ask the
resident, reject with a reason, merge a duplicate, assign, reassign or unassign a volunteer.

Works in the coordinators' group and in a coordinator's private chat alike. Every press is
checked by the services (role, current status, and the version the card was drawn at), so a
forged, stale or doubled press changes nothing. The card in a group is shown in the bot's
default language, as the Notifier sends it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ReviewAction, number_in
from bot.context import UpdateContext
from bot.policy.notify import request_cards as cards
from bot.policy.notify import requests as notify
from bot.services import requests, review
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    OutsideCommunity,
    RequestChanged,
    RequestNotFound,
    VolunteerNotApproved,
)
from bot.views import review as views
from bot.views.request_keyboards import review_keyboard
from handlers.media import VOICE_OR_PHOTO, sent_media, words_of
from handlers.prompts import addressed_name, answers_prompt, ask_again, ask_to_type
from handlers.replies import edit_pressed, stale_button_text, stop_hint
from handlers.requests.states import ReviewInput
from storage.models import CardAudience, HelpRequest, RequestCategory, User


@contextmanager
def card_language(chat_id: int, ctx: UpdateContext) -> Iterator[None]:
    """A group reads its own language (as the Notifier wrote the card); a private chat reads
    the coordinator's own."""
    locale = ctx.group_language() if chat_id < 0 else ctx.i18n.current_locale
    with ctx.i18n.use_locale(locale):
        yield


async def _edit_card(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show the card's new state (a card answered by typing is not the pressed message);
    text and buttons were both drawn in the card's language."""
    with suppress(TelegramBadRequest):  # identical (a double tap) or too old to edit
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )


async def _show_card(
    ctx: UpdateContext, bot: Bot, chat_id: int, message_id: int, request: HelpRequest, note: str
) -> None:
    resident, holder, from_checkin = await review.card_people(ctx.session, request)
    with card_language(chat_id, ctx):
        text = views.coordinator_card(
            request, resident, note, holder=holder, from_checkin=from_checkin
        )
        markup = review_keyboard(request)
    await _edit_card(bot, chat_id, message_id, text, markup)


@dataclass
class Press:
    """One press on a coordinator's card, with what the steps need to answer it."""

    callback: CallbackQuery
    data: ReviewAction
    message: Message
    state: FSMContext
    ctx: UpdateContext
    coordinator: User
    request: HelpRequest
    bot: Bot

    @property
    def chat_id(self) -> int:
        return self.message.chat.id

    async def show_card(self, note: Callable[[], str] | None = None) -> None:
        """The card as the request is now, with `note` (who did what) in its language."""
        with card_language(self.chat_id, self.ctx):
            text = note() if note else ""
        await _show_card(
            self.ctx, self.bot, self.chat_id, self.message.message_id, self.request, text
        )

    async def show_choices(self, choices: Callable[[], InlineKeyboardMarkup]) -> None:
        """Choices in place of the card's buttons, in the card's language."""
        with card_language(self.chat_id, self.ctx):
            markup = choices()
        await edit_pressed(self.callback, None, markup)

    async def stale(self) -> None:
        await self.ctx.session.refresh(self.request)
        await self.callback.answer(
            _("This request changed since. Here it is now."), show_alert=True
        )
        await self.show_card()

    @property
    def pressed(self) -> tuple[int, int]:
        """The card pressed: its step edits it, the notify policy edits the others."""
        return self.chat_id, self.message.message_id

    @property
    def version(self) -> int:
        return self.data.version


async def on_review(
    callback: CallbackQuery,
    callback_data: ReviewAction,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """Every coordinator button: checked, then handed to the step it names."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    try:
        coordinator, request = await review.request_for_coordinator(
            ctx.session, ctx.person, callback_data.request_id, settings=ctx.settings
        )
    except OutsideCommunity:  # another community's request: a forged button
        await callback.answer(stale_button_text(), show_alert=True)
        return
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except RequestNotFound:
        await callback.answer(_("Sorry, that request no longer exists."), show_alert=True)
        return
    press = Press(callback, callback_data, message, state, ctx, coordinator, request, bot)
    if request.version != callback_data.version and callback_data.action != "show":
        await press.stale()
        return
    step = STEPS.get(callback_data.action)
    if step is None:
        await callback.answer(stale_button_text())
        return
    try:
        await step(press)
    except RequestChanged:
        await press.stale()
    except (VolunteerNotApproved, OutsideCommunity):  # or does not serve its community
        await callback.answer(_("This volunteer cannot take tasks now."), show_alert=True)
    except RequestNotFound:
        await callback.answer(_("Sorry, that request no longer exists."), show_alert=True)


# the steps


async def step_card(press: Press) -> None:
    await press.callback.answer()
    await press.show_card()


async def step_show(press: Press) -> None:
    """From the queue (/waiting): the request's card, sent to the presser's private chat (the
    list stays as it is), kept true like every coordinator's card."""
    await press.callback.answer()
    ctx, request, chat_id = press.ctx, press.request, press.callback.from_user.id
    resident, holder, from_checkin = await review.card_people(ctx.session, request)
    shown = (
        views.coordinator_card(request, resident, "", holder=holder, from_checkin=from_checkin),
        review_keyboard(request),
    )
    sent = await press.bot.send_message(chat_id, shown[0], reply_markup=shown[1])
    await cards.replied(
        ctx.notifier,
        request,
        CardAudience.COORDINATORS,
        (chat_id, sent.message_id),
        press.coordinator,
        shown,
    )


async def step_approve(press: Press) -> None:
    ctx = press.ctx
    request = await review.approve_request(
        ctx.session, press.coordinator, press.request.id, press.version, clock=ctx.clock
    )
    await notify.request_approved(ctx.notifier, request, pressed=press.pressed)
    await press.callback.answer(_("Approved."))
    await press.show_card(lambda: views.approved_note(press.coordinator))


async def step_category(press: Press) -> None:
    await press.callback.answer()
    await press.show_choices(lambda: views.category_choices(press.request))


async def step_set_category(press: Press) -> None:
    try:
        category = RequestCategory(press.data.value)
    except ValueError:
        await press.callback.answer(stale_button_text())
        return
    ctx = press.ctx
    request = await review.set_category(
        ctx.session, press.coordinator, press.request.id, press.version, category, clock=ctx.clock
    )
    await notify.request_edited(ctx.notifier, request, pressed=press.pressed)
    await press.callback.answer()
    await press.show_card(lambda: views.category_note(press.coordinator))


async def step_urgency(press: Press) -> None:
    ctx, urgent = press.ctx, not press.request.urgent
    request = await review.set_urgency(
        ctx.session, press.coordinator, press.request.id, press.version, urgent, clock=ctx.clock
    )
    await notify.request_edited(ctx.notifier, request, pressed=press.pressed)
    await press.callback.answer()
    await press.show_card(lambda: views.urgency_note(press.coordinator, urgent))


async def _expect_typing(
    press: Press, step: State, prompt: Callable[[str], str], placeholder: Callable[[], str]
) -> None:
    """Wait for the presser to type; in a group the prompt (given the presser's name, a mention
    there) answers the card and is a force_reply for them alone, so their answer reaches the
    bot under privacy mode. The prompt is in the card's language, like the card it answers."""
    await press.state.set_state(step)
    await press.state.update_data(
        request_id=press.request.id,
        version=press.request.version,
        card_chat_id=press.chat_id,
        card_message_id=press.message.message_id,
    )
    await press.callback.answer()
    name = views.name_of(press.coordinator)
    with card_language(press.chat_id, press.ctx):
        text = prompt(addressed_name(name, press.callback.from_user.id, press.chat_id))
        asked = placeholder()
    await ask_to_type(
        press.bot,
        press.chat_id,
        text,
        press.state,
        reply_to=press.message.message_id,
        placeholder=asked,
    )


async def step_ask(press: Press) -> None:
    ref = requests.reference(press.request)
    await _expect_typing(
        press,
        ReviewInput.question,
        lambda name: views.question_prompt(name, ref),
        lambda: _("Your question for the resident"),
    )


async def step_duplicate(press: Press) -> None:
    ref = requests.reference(press.request)
    await _expect_typing(
        press,
        ReviewInput.duplicate,
        lambda name: views.duplicate_prompt(name, ref),
        lambda: _("The number of the other request"),
    )


async def step_reject(press: Press) -> None:
    await press.callback.answer()
    await press.show_choices(lambda: views.reject_choices(press.request))


async def step_reject_why(press: Press) -> None:
    if press.data.value == "other":
        await _expect_typing(
            press, ReviewInput.reason, views.reason_prompt, lambda: _("Why it is not taken on")
        )
        return
    if press.data.value not in views.REJECT_REASONS:
        await press.callback.answer(stale_button_text())
        return
    await press.callback.answer()
    ctx = press.ctx
    request = await review.reject_request(
        ctx.session,
        press.coordinator,
        press.request.id,
        press.version,
        press.data.value,
        clock=ctx.clock,
    )
    await notify.request_rejected(ctx.notifier, request, pressed=press.pressed)
    await press.show_card(lambda: views.rejected_note(press.coordinator))


async def step_assign(press: Press) -> None:
    volunteers = await review.volunteers_to_assign(
        press.ctx.session, press.coordinator, press.request, settings=press.ctx.settings
    )
    volunteers = [v for v in volunteers if v.id != press.request.volunteer_id]
    if not volunteers:
        await press.callback.answer(_("There is no approved volunteer to choose."), show_alert=True)
        return
    await press.callback.answer()
    await press.show_choices(lambda: views.volunteer_choices(press.request, volunteers))


async def step_pick(press: Press) -> None:
    volunteer_id = number_in(press.data.value)
    if volunteer_id is None:
        await press.callback.answer(stale_button_text())
        return
    ctx = press.ctx
    task, volunteer, previous_id = await review.assign_task(
        ctx.session,
        press.coordinator,
        press.request.id,
        press.version,
        volunteer_id,
        clock=ctx.clock,
        settings=ctx.settings,
    )
    await notify.request_assigned(ctx.notifier, task, volunteer, previous_id, pressed=press.pressed)
    await press.callback.answer(_("Assigned."))
    await press.show_card(lambda: views.assigned_note(volunteer, press.coordinator))


async def step_unassign(press: Press) -> None:
    ctx = press.ctx
    request, previous_id = await review.unassign_request(
        ctx.session, press.coordinator, press.request.id, press.version, clock=ctx.clock
    )
    await notify.request_reopened(ctx.notifier, request, previous_id, pressed=press.pressed)
    await press.callback.answer()
    await press.show_card(lambda: views.unassigned_note(press.coordinator))


STEPS: dict[str, Callable[[Press], Awaitable[None]]] = {
    "card": step_card,
    "show": step_show,
    "approve": step_approve,
    "category": step_category,
    "setcat": step_set_category,
    "urgency": step_urgency,
    "ask": step_ask,
    "duplicate": step_duplicate,
    "reject": step_reject,
    "rejectwhy": step_reject_why,
    "assign": step_assign,
    "pick": step_pick,
    "unassign": step_unassign,
}


# what a coordinator types


async def typed_for_request(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """A question, a reason or a request number, for the request whose card asked for it; a
    question may be said by voice (or shown in a photo) too. In a group only a reply to the
    bot's prompt counts (see `handlers.prompts`)."""
    current = await state.get_state()
    data = await state.get_data()
    if not answers_prompt(message, data):
        return
    request_id, version = int(data.get("request_id", 0)), int(data.get("version", 0))
    session, user, text = ctx.session, ctx.person, words_of(message)
    rejected = False
    try:
        # the request is of the coordinator's communities (else NotAllowed, as below)
        await review.request_for_coordinator(session, user, request_id, settings=ctx.settings)
        if current == ReviewInput.question.state:
            media = sent_media(message)
            request, question = await review.record_question(
                session, user, request_id, text, clock=ctx.clock, media=media
            )
            await notify.request_question(ctx.notifier, request, question, media)
            reply = _("✅ Sent to the resident. Their answer will come here.")
        elif current == ReviewInput.reason.state:
            media = sent_media(message)
            request = await review.reject_request(
                session, user, request_id, version, text, clock=ctx.clock, media=media
            )
            await notify.request_rejected(
                ctx.notifier, request, media, pressed=_card_of(data, message.chat.id)
            )
            reply = _("✅ Rejected. The resident was told.")
            rejected = True
        else:
            original_id = number_in(text.strip().lstrip("#№"))
            if original_id is None:
                await ask_again(message, _("Please type just the number, for example 12."), state)
                return
            try:
                request, original = await review.mark_duplicate(
                    session, user, request_id, version, original_id, clock=ctx.clock
                )
            except RequestNotFound:
                again = _(
                    "There is no ongoing request no. {ref} of the same resident. Type "
                    "another number."
                ).format(ref=original_id)
                again += " " + stop_hint()
                await ask_again(message, again, state)
                return
            await notify.request_merged(
                ctx.notifier, request, original, pressed=_card_of(data, message.chat.id)
            )
            reply = _("✅ Marked as the same as request no. {ref}.").format(ref=original.id)
    except NotAllowed:
        await state.clear()
        await message.answer(_("Only coordinators can do this."))
        return
    except InvalidInput:
        await ask_again(message, _("That is a bit long, or empty. Please type it again."), state)
        return
    except RequestChanged:
        await state.clear()
        await message.answer(_("This request changed since, so nothing was done. Here it is now."))
        request = await review.request_as_it_is(session, user, request_id)
        reply = None
    except RequestNotFound:
        await state.clear()
        await message.answer(_("Sorry, that request no longer exists."))
        return
    await state.clear()
    if reply:
        await message.answer(reply)
    if data.get("card_message_id"):
        chat_id = int(data.get("card_chat_id", message.chat.id))
        with card_language(chat_id, ctx):
            note = views.rejected_note(user) if rejected and user else ""
        with suppress(RequestNotFound):  # the resident's data was deleted meanwhile
            await _show_card(ctx, bot, chat_id, int(data["card_message_id"]), request, note)


def _card_of(data: dict[str, Any], chat_id: int) -> tuple[int, int] | None:
    """The card a typed answer is for (its handler edits it)."""
    if not data.get("card_message_id"):
        return None
    return int(data.get("card_chat_id", chat_id)), int(data["card_message_id"])


async def type_it_please(message: Message, state: FSMContext) -> None:
    if answers_prompt(message, await state.get_data()):
        await ask_again(message, _("Please type it in words ✍️.") + " " + stop_hint(), state)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="review")
    router.callback_query.register(on_review, ReviewAction.filter())
    router.message.register(typed_for_request, StateFilter(*ReviewInput.__all_states__), F.text)
    router.message.register(
        typed_for_request,
        StateFilter(ReviewInput.question, ReviewInput.reason),
        VOICE_OR_PHOTO,
    )
    router.message.register(type_it_please, StateFilter(*ReviewInput.__all_states__))
    return router
