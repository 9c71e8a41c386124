"""Coordinators check new requests: approve and publish, change the category or urgency, ask the
resident, reject with a reason, merge a duplicate, assign, reassign or unassign a volunteer.

Works in the coordinators' group and in a coordinator's private chat alike. Every press is
checked by the services (role, current status, and the version the card was drawn at), so a
forged, stale or doubled press changes nothing. The card in a group is shown in the bot's
default language, as the Notifier sends it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import RequestAction, ReviewAction, number_in
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.services import claims, requests, review
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    RequestChanged,
    RequestNotFound,
    VolunteerNotApproved,
)
from bot.views.request_keyboards import (
    claim_keyboard,
    held_task_keyboard,
    review_button,
    review_keyboard,
)
from bot.views.texts import (
    category_label,
    first_name,
    private_card,
    public_card,
    status_label,
    when_label,
)
from handlers.prompts import addressed_name, answers_prompt, ask_again, ask_to_type
from storage.models import HelpRequest, RequestCategory, User

REJECT_REASONS = {
    "scope": __("This is not something our volunteers can help with."),
    "office": __("The community office can help you better with this: please call them."),
    "area": __("This is outside the area our volunteers cover."),
}
"""Preset reasons, stored by key and told to the resident in their own language."""


class ReviewInput(StatesGroup):
    """A coordinator typing something for a request (per chat and person, also in a group)."""

    question = State()
    reason = State()
    duplicate = State()


def answer_keyboard(request_id: int) -> InlineKeyboardMarkup:
    """For the resident: answer a coordinator's question about their own request."""
    button = InlineKeyboardButton(
        text=_("✍️ Answer"),
        callback_data=RequestAction(action="answer", request_id=request_id).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def reason_text(reason: str | None) -> str:
    if reason in REJECT_REASONS:
        return str(REJECT_REASONS[reason])
    return html.quote(reason or "")


def coordinator_card(request: HelpRequest, resident: User, note: str | None = None) -> str:
    """The full card (address and phone: coordinators only), its status, and who did what."""
    text = private_card(request, resident) + "\n\n<b>" + html.quote(status_label(request.status))
    text += "</b>"
    if request.reason and request.status.value == "rejected":
        text += "\n" + _("Reason: {reason}").format(reason=reason_text(request.reason))
    if request.duplicate_of_id:
        text += "\n" + _("Same as request no. {ref}").format(ref=request.duplicate_of_id)
    if note:
        text += "\n" + note
    return text


async def announce_request(
    notifier: Notifier, request: HelpRequest, resident: User, *, emergency: bool
) -> None:
    """A new request to the coordinators, with the buttons to handle it."""

    def render() -> tuple[str, InlineKeyboardMarkup | None]:
        if emergency:
            head = _(
                "🚨 <b>Possible emergency.</b> The resident pressed “It's urgent” or wrote "
                "words that sound like one. Please call them now."
            )
        else:
            head = _("🆕 <b>New request</b>")
        return head + "\n\n" + coordinator_card(request, resident), review_keyboard(request)

    if emergency:
        priority = Priority.URGENT
    else:
        priority = Priority.ALERT if request.urgent else Priority.NOTICE
    await notifier.tell_coordinators(render, kind="request.new", priority=priority)


@contextmanager
def card_language(chat_id: int, settings: Settings, i18n: I18n) -> Iterator[None]:
    """A group reads the default language (as the Notifier wrote the card); a private chat
    reads the coordinator's own."""
    locale = settings.default_locale if chat_id < 0 else i18n.current_locale
    with i18n.use_locale(locale):
        yield


async def _edit_card(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Show the card's new state; text and buttons were both drawn in the card's language."""
    with suppress(TelegramBadRequest):  # identical (a double tap) or too old to edit
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )


def _back(request: HelpRequest) -> InlineKeyboardButton:
    return review_button(request, "card", _("↩️ Back"))


def _rows(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


def _name(user: User) -> str:
    return html.quote(user.display_name or "—")


async def on_review(
    callback: CallbackQuery,
    callback_data: ReviewAction,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """Every coordinator button: checked, then handed to the step it names."""
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    try:
        coordinator, request = await review.request_for_coordinator(
            session, user, callback_data.request_id
        )
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except RequestNotFound:
        await callback.answer(_("Sorry, that request no longer exists."), show_alert=True)
        return
    context = ReviewContext(
        callback,
        callback_data,
        message,
        state,
        session,
        coordinator,
        request,
        settings,
        clock,
        i18n,
        bot,
    )
    if request.version != callback_data.version:
        await context.stale()
        return
    step = STEPS.get(callback_data.action)
    if step is None:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    try:
        await step(context)
    except RequestChanged:
        await context.stale()
    except VolunteerNotApproved:
        await callback.answer(_("This volunteer cannot take tasks now."), show_alert=True)
    except RequestNotFound:
        await callback.answer(_("Sorry, that request no longer exists."), show_alert=True)


class ReviewContext:
    """One press on a coordinator's card, with what the steps need to answer it."""

    def __init__(
        self,
        callback: CallbackQuery,
        data: ReviewAction,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        coordinator: User,
        request: HelpRequest,
        settings: Settings,
        clock: Clock,
        i18n: I18n,
        bot: Bot,
    ) -> None:
        self.callback, self.data, self.message, self.state = callback, data, message, state
        self.session, self.coordinator, self.request = session, coordinator, request
        self.settings, self.clock, self.i18n, self.bot = settings, clock, i18n, bot
        self.notifier = Notifier(session, settings, clock, i18n)

    @property
    def chat_id(self) -> int:
        return self.message.chat.id

    async def resident(self) -> User:
        resident = await requests.person(self.session, self.request.resident_id)
        if resident is None:
            raise RequestNotFound()
        return resident

    async def show_card(self, note: str | None = None) -> None:
        resident = await self.resident()
        with card_language(self.chat_id, self.settings, self.i18n):
            text = coordinator_card(self.request, resident, note)
            markup = review_keyboard(self.request)
        await _edit_card(self.bot, self.chat_id, self.message.message_id, text, markup)

    async def show_choices(self, buttons: list[InlineKeyboardButton]) -> None:
        with suppress(TelegramBadRequest):
            await self.message.edit_reply_markup(reply_markup=_rows(buttons))

    async def stale(self) -> None:
        await self.session.refresh(self.request)
        await self.callback.answer(
            _("This request changed since. Here it is now."), show_alert=True
        )
        await self.show_card()


# the steps


async def step_card(ctx: ReviewContext) -> None:
    await ctx.callback.answer()
    await ctx.show_card()


async def step_approve(ctx: ReviewContext) -> None:
    request = await review.approve_request(
        ctx.session, ctx.coordinator, ctx.request.id, ctx.data.version, clock=ctx.clock
    )
    await ctx.callback.answer(_("Approved."))
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        note = _("✅ Approved by {name}").format(name=_name(ctx.coordinator))
    await ctx.show_card(note)
    ref = requests.reference(request)
    await ctx.notifier.tell_user(
        await ctx.resident(),
        lambda: (
            _(
                "✅ Your request no. {ref} was checked. We are now finding a volunteer, and I "
                "will tell you who is coming."
            ).format(ref=ref),
            None,
        ),
        kind="request.approved",
        priority=Priority.NOTICE,
    )
    await ctx.notifier.tell_volunteers_group(
        lambda: (public_card(request), claim_keyboard(request)),
        kind="request.published",
        priority=Priority.ALERT if request.urgent else Priority.NOTICE,
    )


async def step_category(ctx: ReviewContext) -> None:
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        buttons = [
            review_button(ctx.request, "setcat", category_label(category), category.value)
            for category in RequestCategory
            if category is not ctx.request.category
        ]
        buttons.append(_back(ctx.request))
    await ctx.show_choices(buttons)


async def step_set_category(ctx: ReviewContext) -> None:
    try:
        category = RequestCategory(ctx.data.value)
    except ValueError:
        await ctx.callback.answer(
            _("This button is no longer active. Please use the latest message.")
        )
        return
    await review.set_category(
        ctx.session, ctx.coordinator, ctx.request.id, ctx.data.version, category, clock=ctx.clock
    )
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        note = _("🏷 Category changed by {name}").format(name=_name(ctx.coordinator))
    await ctx.show_card(note)


async def step_urgency(ctx: ReviewContext) -> None:
    urgent = not ctx.request.urgent
    await review.set_urgency(
        ctx.session, ctx.coordinator, ctx.request.id, ctx.data.version, urgent, clock=ctx.clock
    )
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        template = _("🚨 Marked urgent by {name}") if urgent else _("⬇️ Marked not urgent by {name}")
        note = template.format(name=_name(ctx.coordinator))
    await ctx.show_card(note)


async def _expect_typing(ctx: ReviewContext, step: State, prompt: str) -> None:
    """Wait for the presser to type; in a group the prompt answers the card and is a
    force_reply for them alone, so their answer reaches the bot under privacy mode."""
    await ctx.state.set_state(step)
    await ctx.state.update_data(
        request_id=ctx.request.id,
        version=ctx.request.version,
        card_chat_id=ctx.chat_id,
        card_message_id=ctx.message.message_id,
    )
    await ctx.callback.answer()
    await ask_to_type(ctx.bot, ctx.chat_id, prompt, ctx.state, reply_to=ctx.message.message_id)


def _presser(ctx: ReviewContext) -> str:
    """The coordinator's name, a mention in a group (the prompt is for them)."""
    return addressed_name(_name(ctx.coordinator), ctx.callback.from_user.id, ctx.chat_id)


async def step_ask(ctx: ReviewContext) -> None:
    await _expect_typing(
        ctx,
        ReviewInput.question,
        _(
            "✍️ {name}, please type your question for the resident of request no. {ref}. "
            "Send /cancel to stop."
        ).format(name=_presser(ctx), ref=requests.reference(ctx.request)),
    )


async def step_duplicate(ctx: ReviewContext) -> None:
    await _expect_typing(
        ctx,
        ReviewInput.duplicate,
        _(
            "🔗 {name}, please type the number of the request that no. {ref} repeats. "
            "Send /cancel to stop."
        ).format(name=_presser(ctx), ref=requests.reference(ctx.request)),
    )


async def step_reject(ctx: ReviewContext) -> None:
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        buttons = [
            review_button(ctx.request, "rejectwhy", str(label), key)
            for key, label in REJECT_REASONS.items()
        ]
        buttons.append(review_button(ctx.request, "rejectwhy", _("✍️ Other: type it"), "other"))
        buttons.append(_back(ctx.request))
    await ctx.show_choices(buttons)


async def step_reject_why(ctx: ReviewContext) -> None:
    if ctx.data.value == "other":
        await _expect_typing(
            ctx,
            ReviewInput.reason,
            _("✍️ {name}, please type the reason; the resident will read it.").format(
                name=_presser(ctx)
            ),
        )
        return
    if ctx.data.value not in REJECT_REASONS:
        await ctx.callback.answer(
            _("This button is no longer active. Please use the latest message.")
        )
        return
    await ctx.callback.answer()
    await _reject(
        ctx.notifier,
        ctx.session,
        ctx.coordinator,
        ctx.request,
        ctx.data.version,
        ctx.data.value,
        ctx.clock,
    )
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        note = _("✖️ Rejected by {name}").format(name=_name(ctx.coordinator))
    await ctx.show_card(note)


async def _reject(
    notifier: Notifier,
    session: AsyncSession,
    coordinator: User,
    request: HelpRequest,
    version: int,
    reason: str,
    clock: Clock,
) -> HelpRequest:
    request = await review.reject_request(
        session, coordinator, request.id, version, reason, clock=clock
    )
    resident = await requests.person(session, request.resident_id)
    ref = requests.reference(request)
    await notifier.tell_user(
        resident,
        lambda: (
            _(
                "😔 We are sorry: we cannot take on your request no. {ref}.\n{reason}\n\n"
                "If you need anything else, tap “🙋 I need help” at any time."
            ).format(ref=ref, reason=reason_text(request.reason)),
            None,
        ),
        kind="request.rejected",
        priority=Priority.NOTICE,
    )
    return request


async def step_assign(ctx: ReviewContext) -> None:
    volunteers = await review.volunteers_to_assign(ctx.session, ctx.coordinator)
    volunteers = [v for v in volunteers if v.id != ctx.request.volunteer_id]
    if not volunteers:
        await ctx.callback.answer(_("There is no approved volunteer to choose."), show_alert=True)
        return
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        buttons = [
            review_button(
                ctx.request,
                "pick",
                f"👤 {volunteer.display_name or '—'} · {volunteer.area or '—'}"[:60],
                str(volunteer.id),
            )
            for volunteer in volunteers
        ]
        buttons.append(_back(ctx.request))
    await ctx.show_choices(buttons)


async def step_pick(ctx: ReviewContext) -> None:
    volunteer_id = number_in(ctx.data.value)
    if volunteer_id is None:
        await ctx.callback.answer(
            _("This button is no longer active. Please use the latest message.")
        )
        return
    request, previous_id = await review.assign_request(
        ctx.session,
        ctx.coordinator,
        ctx.request.id,
        ctx.data.version,
        volunteer_id,
        clock=ctx.clock,
    )
    volunteer = await requests.person(ctx.session, volunteer_id)
    assert volunteer is not None
    task = await claims.reveal(ctx.session, volunteer, request, clock=ctx.clock)
    await ctx.callback.answer(_("Assigned."))
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        note = _("👤 Assigned to {volunteer} by {name}").format(
            volunteer=_name(volunteer), name=_name(ctx.coordinator)
        )
    await ctx.show_card(note)
    ref = requests.reference(request)
    await ctx.notifier.tell_user(
        volunteer,
        lambda: (
            _("👤 A coordinator gave you this task. Thank you!")
            + "\n\n"
            + private_card(request, task.resident),
            held_task_keyboard(request),
        ),
        kind="task.assigned",
        priority=Priority.ALERT,
    )
    await ctx.notifier.tell_user(
        task.resident,
        lambda: (
            _("🤝 Good news: {volunteer} will help you with request no. {ref}, {when}.").format(
                volunteer=html.quote(first_name(volunteer)), ref=ref, when=when_label(request)
            ),
            None,
        ),
        kind="request.claimed",
        priority=Priority.ALERT,
    )
    await _tell_previous(ctx, previous_id, ref)


async def _tell_previous(ctx: ReviewContext, previous_id: int | None, ref: str) -> None:
    previous = await requests.person(ctx.session, previous_id)
    await ctx.notifier.tell_user(
        previous,
        lambda: (
            _(
                "↩️ A coordinator took request no. {ref} off your list. You do not need to go. "
                "Thank you!"
            ).format(ref=ref),
            None,
        ),
        kind="task.unassigned",
        priority=Priority.ALERT,
    )


async def step_unassign(ctx: ReviewContext) -> None:
    request, previous_id = await review.unassign_request(
        ctx.session, ctx.coordinator, ctx.request.id, ctx.data.version, clock=ctx.clock
    )
    await ctx.callback.answer()
    with card_language(ctx.chat_id, ctx.settings, ctx.i18n):
        note = _("↩️ Back to the pool, by {name}").format(name=_name(ctx.coordinator))
    await ctx.show_card(note)
    ref = requests.reference(request)
    await _tell_previous(ctx, previous_id, ref)
    await ctx.notifier.tell_user(
        await ctx.resident(),
        lambda: (
            _(
                "🔎 The volunteer for your request no. {ref} cannot come. We are finding "
                "someone else and will tell you who is coming."
            ).format(ref=ref),
            None,
        ),
        kind="request.reopened",
        priority=Priority.NOTICE,
    )
    await ctx.notifier.tell_volunteers_group(
        lambda: (public_card(request), claim_keyboard(request)),
        kind="request.published",
        priority=Priority.NOTICE,
    )


STEPS = {
    "card": step_card,
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
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """A question, a reason or a request number, for the request whose card asked for it. In
    a group only a reply to the bot's prompt counts (see `handlers.prompts`)."""
    current = await state.get_state()
    data = await state.get_data()
    if not answers_prompt(message, data):
        return
    request_id, version = int(data.get("request_id", 0)), int(data.get("version", 0))
    notifier = Notifier(session, settings, clock, i18n)
    text = message.text or ""
    try:
        if current == ReviewInput.question.state:
            request, question = await review.record_question(
                session, user, request_id, text, clock=clock
            )
            await _send_question(notifier, session, request, question)
            reply = _("✅ Sent to the resident. Their answer will come here.")
            note = None
        elif current == ReviewInput.reason.state:
            request = await _reject(
                notifier, session, user, await _get(session, user, request_id), version, text, clock
            )
            reply = _("✅ Rejected. The resident was told.")
            note = "rejected"
        else:
            original_id = number_in(text.strip().lstrip("#№"))
            if original_id is None:
                await ask_again(message, _("Please type just the number, for example 12."), state)
                return
            try:
                request, original = await review.mark_duplicate(
                    session, user, request_id, version, original_id, clock=clock
                )
            except RequestNotFound:
                text = _(
                    "There is no ongoing request no. {ref} of the same resident. Type "
                    "another number, or send /cancel."
                ).format(ref=original_id)
                await ask_again(message, text, state)
                return
            await _tell_duplicate(notifier, session, request, original)
            reply = _("✅ Marked as the same as request no. {ref}.").format(ref=original.id)
            note = None
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
        request = await _get(session, user, request_id)
        reply, note = None, None
    except RequestNotFound:
        await state.clear()
        await message.answer(_("Sorry, that request no longer exists."))
        return
    await state.clear()
    if reply:
        await message.answer(reply)
    chat_id = int(data.get("card_chat_id", message.chat.id))
    resident = await requests.person(session, request.resident_id)
    if resident is not None and data.get("card_message_id"):
        with card_language(chat_id, settings, i18n):
            if note:
                note = _("✖️ Rejected by {name}").format(name=_name(user))
            card = coordinator_card(request, resident, note)
            markup = review_keyboard(request)
        await _edit_card(bot, chat_id, int(data["card_message_id"]), card, markup)


async def _get(session: AsyncSession, user: User, request_id: int) -> HelpRequest:
    _coordinator, request = await review.request_for_coordinator(session, user, request_id)
    await session.refresh(request)
    return request


async def _send_question(
    notifier: Notifier, session: AsyncSession, request: HelpRequest, question: str
) -> None:
    ref = requests.reference(request)
    await notifier.tell_user(
        await requests.person(session, request.resident_id),
        lambda: (
            _("❓ A coordinator asks about your request no. {ref}:\n\n{question}").format(
                ref=ref, question=html.quote(question)
            ),
            answer_keyboard(request.id),
        ),
        kind="request.question",
        priority=Priority.ALERT,
    )


async def _tell_duplicate(
    notifier: Notifier, session: AsyncSession, request: HelpRequest, original: HelpRequest
) -> None:
    ref, original_ref = requests.reference(request), requests.reference(original)
    await notifier.tell_user(
        await requests.person(session, request.resident_id),
        lambda: (
            _(
                "🔗 Your request no. {ref} is the same as no. {original}, so we joined them. "
                "We carry on with no. {original}."
            ).format(ref=ref, original=original_ref),
            None,
        ),
        kind="request.duplicate",
        priority=Priority.NOTICE,
    )


async def type_it_please(message: Message, state: FSMContext) -> None:
    if answers_prompt(message, await state.get_data()):
        await ask_again(message, _("Please type it in words ✍️, or send /cancel to stop."), state)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="coordination")
    router.callback_query.register(on_review, ReviewAction.filter())
    router.message.register(typed_for_request, StateFilter(*ReviewInput.__all_states__), F.text)
    router.message.register(type_it_please, StateFilter(*ReviewInput.__all_states__))
    return router
