"""The volunteer side: browse open tasks, claim one, "on my way", "done" (with the time spent),
"I can't make it", my tasks, my hours.

Every press is checked by the services against the presser and the task as it is now (the
callback data is never trusted). A resident's address and phone are shown only to the volunteer
who holds the task; group posts are edited to "taken" with no names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import HoursPage, TaskAction
from bot.context import UpdateContext
from bot.policy.notify import request_cards as cards
from bot.policy.notify import requests as notify
from bot.policy.permissions import Action, is_helper
from bot.services import claims, time_bank, volunteers
from bot.services.errors import (
    DomainError,
    MinutesInvalid,
    NotAllowed,
    OutsideCommunity,
    RequestNotFound,
    TaskTaken,
    TaskUnavailable,
    VolunteerNotApproved,
)
from bot.services.requests import reference
from bot.understanding.durations import parse_duration
from bot.views import keyboards
from bot.views import time_bank as time_views
from bot.views import volunteering as views
from bot.views.request_keyboards import held_task_keyboard
from handlers.audience import PRIVATE
from handlers.replies import button_text, edit_pressed, retire_buttons, stale_button_text
from handlers.requests.states import VolunteerFlow
from handlers.wizard import ask
from storage.models import CardAudience, HelpRequest, RequestStatus


async def not_allowed_text(ctx: UpdateContext) -> str:
    """Why this person cannot work on tasks, kindly."""
    helper = is_helper(ctx.person)
    status = await volunteers.volunteer_status(ctx.session, ctx.person) if helper else None
    return views.not_allowed_text(
        helper=helper, resident=ctx.may(Action.ASK_FOR_HELP), status=status
    )


async def _answer_task_error(
    callback: CallbackQuery, error: DomainError, ctx: UpdateContext
) -> None:
    if isinstance(error, OutsideCommunity):  # a task of a community they do not serve
        text = stale_button_text()
    elif isinstance(error, VolunteerNotApproved | NotAllowed):
        text = await not_allowed_text(ctx)
    else:
        text = views.task_error_text(error)
    await callback.answer(text[:200], show_alert=True)


def _in_group(callback: CallbackQuery) -> bool:
    return callback.message is not None and callback.message.chat.type != "private"


# ---- browsing -----------------------------------------------------------------------------


async def _send_task_page(bot: Bot, chat_id: int, ctx: UpdateContext, offset: int) -> None:
    """Up to five open tasks, each its own card with a claim button, then "more" if any."""
    tasks, total = await claims.open_tasks(
        ctx.session, ctx.person, settings=ctx.settings, limit=views.TASKS_PER_PAGE, offset=offset
    )
    if not tasks:
        text = (
            _("There are no open tasks right now. Thank you for checking! I will post new ones.")
            if offset == 0
            else _("That was all the open tasks.")
        )
        await bot.send_message(chat_id, text)
        return
    if offset == 0:
        await bot.send_message(chat_id, _("🔎 Open tasks: {count}").format(count=total))
    sent: list[cards.SentCard] = []
    try:
        for request in tasks:
            card = views.browse_card(request)
            message = await bot.send_message(chat_id, card[0], reply_markup=card[1])
            sent.append((request, chat_id, message.message_id, card))
    finally:  # the cards sent are kept true, recorded together (one write)
        await cards.sent(ctx.notifier, CardAudience.BROWSE, sent, ctx.person)
    shown = offset + len(tasks)
    if shown < total:
        await bot.send_message(
            chat_id,
            _("Shown {shown} of {total}.").format(shown=shown, total=total),
            reply_markup=views.more_tasks_keyboard(shown),
        )


async def _send_browse_card(
    bot: Bot, chat_id: int, ctx: UpdateContext, request: HelpRequest
) -> None:
    """A task's public card with its claim button, kept true until it is no longer open."""
    shown = views.browse_card(request)
    sent = await bot.send_message(chat_id, shown[0], reply_markup=shown[1])
    await cards.replied(
        ctx.notifier, request, CardAudience.BROWSE, (chat_id, sent.message_id), ctx.person, shown
    )


async def show_open_tasks(message: Message, ctx: UpdateContext, bot: Bot) -> None:
    try:
        await _send_task_page(bot, message.chat.id, ctx, 0)
    except (VolunteerNotApproved, NotAllowed):
        await message.answer(await not_allowed_text(ctx))


async def _more_tasks(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await volunteers.approved_volunteer(ctx.session, ctx.person)  # refused before the answer
    await callback.answer()
    await edit_pressed(callback, None, None)
    await _send_task_page(bot, callback.from_user.id, ctx, max(data.value, 0))


async def _view_task(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    request = await claims.visible_task(
        ctx.session, ctx.person, data.request_id, settings=ctx.settings
    )
    await callback.answer()
    await _send_browse_card(bot, callback.from_user.id, ctx, request)


# ---- claiming -----------------------------------------------------------------------------


def _pressed_at(callback: CallbackQuery) -> tuple[int, int] | None:
    """(chat id, message id) of the pressed card: its step edits it, the notify policy the
    other cards of the task."""
    message = callback.message
    return (message.chat.id, message.message_id) if message is not None else None


def _pressed_message(callback: CallbackQuery) -> str | None:
    """Which message a claim was pressed on. Losers of a race on one group post leave the post to
    the winner's step (each would make the same edit, and Telegram refuses the repeats); a post
    whose task was claimed from elsewhere is retired by the first press after it."""
    message = callback.message
    return f"{message.chat.id}:{message.message_id}" if message is not None else None


async def _retire_claim_post(callback: CallbackQuery, in_group: bool, ctx: UpdateContext) -> None:
    """A claim button that can no longer win: take it off, saying "taken" (in the group's
    language for a group post, so every presser's edit is the same)."""
    if in_group:
        with ctx.i18n.use_locale(ctx.group_language()):
            note = views.taken_note()
    else:
        note = _("This task is no longer open.")
    await retire_buttons(callback, note)


async def _claim(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """Exactly one presser wins (a conditional UPDATE in the service). The winner sees the
    details privately; a group post only says "taken"."""
    in_group, pressed = _in_group(callback), _pressed_message(callback)
    try:
        task = await claims.claim_task(
            ctx.session,
            ctx.person,
            data.request_id,
            clock=ctx.clock,
            max_open_claims=ctx.settings.max_open_claims,
            claimed_from=pressed,
            settings=ctx.settings,
        )
    except TaskTaken as error:
        if await claims.holds_task(ctx.session, ctx.person, data.request_id):
            await callback.answer(
                _("This task is already yours: see 🧰 My tasks."), show_alert=True
            )
            return
        await _answer_task_error(callback, error, ctx)
        if error.claimed_from != pressed:  # the winner pressed this very post and retires it
            await _retire_claim_post(callback, in_group, ctx)
        return
    except (TaskUnavailable, RequestNotFound) as error:
        await _answer_task_error(callback, error, ctx)
        await _retire_claim_post(callback, in_group, ctx)
        return
    await notify.task_claimed(
        ctx.notifier, task, ctx.person, in_group=in_group, pressed=_pressed_at(callback)
    )
    await callback.answer(_("✅ Thank you! This task is yours."))
    if in_group:
        await _retire_claim_post(callback, in_group, ctx)
    else:
        # The claim and its audit entry are committed before the address leaves the bot (by
        # the commit-before-request middleware: the answer above already committed them).
        text = views.claimed_text(task.request, task.resident)
        await edit_pressed(callback, text, held_task_keyboard(task.request))


# ---- holding a task -----------------------------------------------------------------------


async def _start(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    request = await claims.held_task(ctx.session, ctx.person, data.request_id)
    if request.status is RequestStatus.IN_PROGRESS:  # a second tap: said already
        await callback.answer(_("Already noted: you are on your way. 👍"))
    else:
        request = await claims.start_task(ctx.session, ctx.person, data.request_id, clock=ctx.clock)
        await notify.task_started(ctx.notifier, request, ctx.person, pressed=_pressed_at(callback))
        await callback.answer(_("👍 We told them you are on your way. Thank you!"))
    task = await claims.show_task(ctx.session, ctx.person, request.id, clock=ctx.clock)
    await edit_pressed(callback, *views.holder_card(task.request, task.resident, holds=True))


async def _ask_minutes(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await claims.held_task(ctx.session, ctx.person, data.request_id)
    await callback.answer()
    await state.update_data(request_id=data.request_id)
    if isinstance(callback.message, Message):
        text = _(
            "🎉 Well done! How long did it take, including the way there? Tap a button, or "
            "write how long (for example 45 minutes or 1.5 hours)."
        )
        markup = views.minutes_keyboard(data.request_id)
        question = await ask(callback.message, state, VolunteerFlow.minutes, text, markup)
        await state.update_data(minutes_question=question.message_id)
    else:
        await state.set_state(VolunteerFlow.minutes)


async def _complete(ctx: UpdateContext, request_id: int, minutes: int) -> str:
    """Mark the task done; tell the resident and ask for their rating. Returns the thanks."""
    request = await claims.complete_task(
        ctx.session, ctx.person, request_id, minutes, clock=ctx.clock
    )
    await notify.task_done(ctx.notifier, request, ctx.person)
    mine = await time_bank.my_time(ctx.session, ctx.person, clock=ctx.clock)
    return views.done_text(request, minutes, mine.summary.this_month, mine.summary.balance)


async def _chose_minutes(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    thanks = await _complete(ctx, data.request_id, data.value)
    await state.clear()
    await callback.answer()
    await edit_pressed(callback, thanks, None)


async def typed_minutes(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    minutes = parse_duration(message.text)  # "45", "一个半小时", "1.5 hours"
    if minutes is None:
        await message.answer(views.task_error_text(MinutesInvalid()))
        return
    try:
        thanks = await _complete(ctx, request_id, minutes)
    except MinutesInvalid as error:
        await message.answer(views.task_error_text(error))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(views.task_error_text(error))
        return
    question = (await state.get_data()).get("minutes_question")
    await state.clear()
    if question and message.bot is not None:  # the minutes were typed: its buttons go too
        with suppress(TelegramBadRequest):
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=int(question), reply_markup=None
            )
    role = ctx.person.role if ctx.person else None
    await message.answer(thanks, reply_markup=keyboards.main_menu(role))


async def _ask_release(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await claims.held_task(ctx.session, ctx.person, data.request_id)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("Are you sure you cannot make it? The task goes back to the other volunteers."),
            reply_markup=views.release_confirm_keyboard(data.request_id),
        )


async def _release(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    request = await claims.release_task(ctx.session, ctx.person, data.request_id, clock=ctx.clock)
    await notify.task_released(ctx.notifier, request, ctx.person)
    await callback.answer(_("Thank you for telling us."))
    text = _("↩️ You gave back request no. {ref}. Thank you for telling us in time.").format(
        ref=reference(request)
    )
    await edit_pressed(callback, text, None)


async def _keep(
    callback: CallbackQuery, data: TaskAction, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await claims.held_task(ctx.session, ctx.person, data.request_id)
    await callback.answer(_("👍 Good, the task stays yours."))
    await edit_pressed(callback, _("👍 Good, the task stays yours."), None)


TaskStep = Callable[[CallbackQuery, TaskAction, FSMContext, UpdateContext, Bot], Awaitable[None]]
ACTIONS: dict[str, TaskStep] = {
    "claim": _claim,
    "view": _view_task,
    "page": _more_tasks,
    "start": _start,
    "done": _ask_minutes,
    "minutes": _chose_minutes,
    "release": _ask_release,
    "release_yes": _release,
    "keep": _keep,
}


async def task_action(
    callback: CallbackQuery,
    callback_data: TaskAction,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """Every task button comes here; the services decide whether the presser may do it."""
    action = callback_data.action
    if action != "claim" and _in_group(callback):
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    step = ACTIONS.get(action)
    if step is None:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        await step(callback, callback_data, state, ctx, bot)
    except DomainError as error:
        await _answer_task_error(callback, error, ctx)


# ---- my tasks, my hours -------------------------------------------------------------------


async def show_my_tasks(message: Message, ctx: UpdateContext) -> None:
    try:
        held = await claims.tasks_held(ctx.session, ctx.person)
    except (VolunteerNotApproved, NotAllowed):
        await message.answer(await not_allowed_text(ctx))
        return
    if not held:
        await message.answer(_("You hold no tasks now. 🔎 Open tasks shows who needs a hand."))
        return
    await message.answer(_("🧰 Your tasks: {count}").format(count=len(held)))
    for request in held:
        task = await claims.show_task(ctx.session, ctx.person, request.id, clock=ctx.clock)
        shown = views.holder_card(task.request, task.resident, holds=True)
        sent = await message.answer(shown[0], reply_markup=shown[1])
        await cards.replied(
            ctx.notifier,
            task.request,
            CardAudience.HOLDER,
            (message.chat.id, sent.message_id),
            ctx.person,
            shown,
        )


async def show_hours(message: Message, ctx: UpdateContext) -> None:
    """One's time account: balance, this month, the latest entries (older ones by buttons)."""
    try:
        page = await time_bank.my_time(ctx.session, ctx.person, clock=ctx.clock)
    except NotAllowed:
        await message.answer(await not_allowed_text(ctx))
        return
    await message.answer(time_views.hours_text(page), reply_markup=time_views.hours_keyboard(page))


async def hours_page(callback: CallbackQuery, callback_data: HoursPage, ctx: UpdateContext) -> None:
    """Older or newer entries, in place. Only ever one's own account: the button carries
    nothing but where to start."""
    if _in_group(callback):
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    try:
        page = await time_bank.my_time(
            ctx.session, ctx.person, clock=ctx.clock, offset=callback_data.offset
        )
    except NotAllowed:
        await callback.answer((await not_allowed_text(ctx))[:200], show_alert=True)
        return
    await callback.answer()
    await edit_pressed(callback, time_views.hours_text(page), time_views.hours_keyboard(page))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="tasks")
    router.message.register(show_open_tasks, PRIVATE, Command("tasks"))
    router.message.register(show_open_tasks, PRIVATE, button_text("🔎 Open tasks"))
    router.message.register(show_my_tasks, PRIVATE, Command("mytasks"))
    router.message.register(show_my_tasks, PRIVATE, button_text("🧰 My tasks"))
    router.message.register(show_hours, PRIVATE, Command("hours"))
    router.message.register(show_hours, PRIVATE, button_text("⏱ My hours"))
    router.message.register(typed_minutes, PRIVATE, VolunteerFlow.minutes, F.text)
    router.callback_query.register(task_action, TaskAction.filter())
    router.callback_query.register(hours_page, HoursPage.filter())
    return router
