"""The volunteer side: browse open tasks, claim one, "on my way", "done" (with the time spent),
"I can't make it", my tasks, my hours; and the coordinators' approve/decline of volunteers.

Every press is checked by the services against the presser and the task as it is now (the
callback data is never trusted). A resident's address and phone are shown only to the volunteer
who holds the task; group posts are edited to "taken" with no names."""

from __future__ import annotations

import re

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import TaskAction, VolunteerDecision
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services import claims, volunteers
from bot.services.errors import (
    DomainError,
    InvalidTransition,
    MinutesInvalid,
    NotAllowed,
    NotYourTask,
    RequestChanged,
    RequestNotFound,
    TaskTaken,
    TaskUnavailable,
    TooManyClaims,
    VolunteerNotApproved,
)
from bot.services.requests import reference
from bot.views import keyboards
from bot.views import volunteering as volunteer_views
from bot.views.request_keyboards import claim_keyboard, held_task_keyboard, rating_keyboard
from bot.views.texts import duration_label, first_name, private_card, public_card, when_label
from handlers.replies import button_text, edit_pressed, retire_buttons
from storage.models import HelpRequest, RequestStatus, User, UserRole, VolunteerStatus

PRIVATE = F.chat.type == "private"


class VolunteerFlow(StatesGroup):
    minutes = State()  # typing the minutes a finished task took


# ---- words for refusals -------------------------------------------------------------------


async def _not_allowed_text(session: AsyncSession, user: User) -> str:
    """Why this person cannot work on tasks, kindly."""
    if user.role in (UserRole.VOLUNTEER, UserRole.COORDINATOR) and user.is_onboarded:
        status = await volunteers.volunteer_status(session, user)
        if status is VolunteerStatus.DECLINED:
            return _(
                "Your volunteer registration was not approved, so you cannot take tasks. "
                "A coordinator can tell you more."
            )
        return _(
            "⏳ A coordinator is still checking your registration. I will send you a message "
            "as soon as you can see and take tasks. Thank you for your patience!"
        )
    if user.role is UserRole.RESIDENT and user.is_onboarded:
        return _(
            "Tasks are for volunteers. If you need help yourself, tap “🙋 I need help” and a "
            "volunteer will come to you."
        )
    return _("Only registered volunteers can take tasks. Please send me /start in a private chat.")


def _task_error_text(error: DomainError) -> str:
    match error:
        case TaskTaken():
            return _("🙏 Someone else has just taken this task. Thank you all the same!")
        case TooManyClaims(limit=limit):
            return _(
                "You already hold {limit} tasks, which is the most one volunteer may hold. "
                "Please finish or give back one of them first (🧰 My tasks)."
            ).format(limit=limit)
        case NotYourTask():
            return _("This task is not yours, so nothing was changed.")
        case MinutesInvalid():
            return _("Please give the time in minutes, from 1 to 1440. For example: 45")
        case TaskUnavailable() | RequestNotFound():
            return _(
                "This task is no longer open: it was cancelled, finished or changed. "
                "Thank you for looking!"
            )
        case InvalidTransition() | RequestChanged():
            return _(
                "This task has changed since this message (it may be finished, cancelled or "
                "given back), so nothing was changed. 🧰 My tasks shows what you hold now."
            )
    return _("Sorry, that is not possible now.")


async def _answer_task_error(
    callback: CallbackQuery, error: DomainError, session: AsyncSession, user: User
) -> None:
    if isinstance(error, VolunteerNotApproved | NotAllowed):
        text = await _not_allowed_text(session, user)
    else:
        text = _task_error_text(error)
    await callback.answer(text[:200], show_alert=True)


def _in_group(callback: CallbackQuery) -> bool:
    return callback.message is not None and callback.message.chat.type != "private"


# ---- browsing -----------------------------------------------------------------------------


async def _send_task_page(
    bot: Bot, chat_id: int, session: AsyncSession, user: User, offset: int
) -> None:
    """Up to five open tasks, each its own card with a claim button, then "more" if any."""
    tasks, total = await claims.open_tasks(
        session, user, limit=volunteer_views.TASKS_PER_PAGE, offset=offset
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
    for request in tasks:
        await bot.send_message(chat_id, public_card(request), reply_markup=claim_keyboard(request))
    shown = offset + len(tasks)
    if shown < total:
        await bot.send_message(
            chat_id,
            _("Shown {shown} of {total}.").format(shown=shown, total=total),
            reply_markup=volunteer_views.more_tasks_keyboard(shown),
        )


async def show_open_tasks(message: Message, session: AsyncSession, user: User, bot: Bot) -> None:
    try:
        await _send_task_page(bot, message.chat.id, session, user, 0)
    except (VolunteerNotApproved, NotAllowed):
        await message.answer(await _not_allowed_text(session, user))


async def _more_tasks(
    callback: CallbackQuery, offset: int, session: AsyncSession, user: User, bot: Bot
) -> None:
    await volunteers.approved_volunteer(session, user)  # refused before the press is answered
    await callback.answer()
    await edit_pressed(callback, None, None)
    await _send_task_page(bot, callback.from_user.id, session, user, max(offset, 0))


async def _view_task(
    callback: CallbackQuery, request_id: int, session: AsyncSession, user: User, bot: Bot
) -> None:
    request = await claims.visible_task(session, user, request_id)
    await callback.answer()
    await bot.send_message(
        callback.from_user.id, public_card(request), reply_markup=claim_keyboard(request)
    )


# ---- claiming -----------------------------------------------------------------------------


def _taken_note() -> str:
    return _("🤝 Taken by a volunteer. Thank you!")


async def _claim(
    callback: CallbackQuery,
    request_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    """Exactly one presser wins (a conditional UPDATE in the service). The winner sees the
    details privately; a group post only says "taken"."""
    in_group = _in_group(callback)
    pressed = _pressed_message(callback)
    try:
        task = await claims.claim_task(
            session,
            user,
            request_id,
            clock=clock,
            max_open_claims=settings.max_open_claims,
            claimed_from=pressed,
        )
    except TaskTaken as error:
        if await _holds(session, user, request_id):
            await callback.answer(
                _("This task is already yours: see 🧰 My tasks."), show_alert=True
            )
            return
        await _answer_task_error(callback, error, session, user)
        if error.claimed_from != pressed:  # the winner pressed this very post and retires it
            await _retire_claim_post(callback, in_group, settings, i18n)
        return
    except (TaskUnavailable, RequestNotFound) as error:
        await _answer_task_error(callback, error, session, user)
        await _retire_claim_post(callback, in_group, settings, i18n)
        return
    except DomainError as error:
        await _answer_task_error(callback, error, session, user)
        return
    request, resident = task.request, task.resident
    notifier = Notifier(session, settings, clock, i18n)
    volunteer_name = first_name(user)
    await notifier.tell_user(
        resident,
        lambda: (
            _(
                "🤝 Good news! {name}, a volunteer, will help you with request no. {ref}. "
                "When: {when}."
            ).format(
                name=html.quote(volunteer_name), ref=reference(request), when=when_label(request)
            ),
            None,
        ),
        kind="task_claimed",
        priority=Priority.NOTICE,
    )
    await callback.answer(_("✅ Thank you! This task is yours."))
    if in_group:
        await _retire_claim_post(callback, in_group, settings, i18n)
        await notifier.tell_user(
            user,
            lambda: (_claimed_text(request, resident), held_task_keyboard(request)),
            kind="task_details",
            priority=Priority.URGENT,
        )
    else:
        # The claim and its audit entry are made durable before the address leaves the bot.
        await session.commit()
        await edit_pressed(callback, _claimed_text(request, resident), held_task_keyboard(request))


def _pressed_message(callback: CallbackQuery) -> str | None:
    """Which message a claim was pressed on. Losers of a race on one group post leave the post to
    the winner's step (each would make the same edit, and Telegram refuses the repeats); a post
    whose task was claimed from elsewhere is retired by the first press after it."""
    message = callback.message
    return f"{message.chat.id}:{message.message_id}" if message is not None else None


def _claimed_text(request: HelpRequest, resident: User) -> str:
    return (
        _("✅ This task is yours. Thank you!")
        + "\n\n"
        + private_card(request, resident)
        + "\n\n"
        + _("Tap “🚶 On my way” when you set off.")
    )


async def _holds(session: AsyncSession, user: User, request_id: int) -> bool:
    try:
        await claims.held_task(session, user, request_id)
    except DomainError:
        return False
    return True


async def _retire_claim_post(
    callback: CallbackQuery, in_group: bool, settings: Settings, i18n: I18n
) -> None:
    """A claim button that can no longer win: take it off, saying "taken" (in the group's
    language for a group post, so every presser's edit is the same)."""
    if in_group:
        with i18n.use_locale(settings.default_locale):
            note = _taken_note()
    else:
        note = _("This task is no longer open.")
    await retire_buttons(callback, note)


# ---- holding a task -----------------------------------------------------------------------


async def _start(
    callback: CallbackQuery,
    request_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    request = await claims.held_task(session, user, request_id)
    if request.status is RequestStatus.IN_PROGRESS:  # a second tap: said already
        await callback.answer(_("Already noted: you are on your way. 👍"))
        await edit_pressed(callback, None, held_task_keyboard(request))
        return
    request = await claims.start_task(session, user, request_id, clock=clock)
    volunteer_name = first_name(user)
    await Notifier(session, settings, clock, i18n).tell_user(
        await session.get(User, request.resident_id),
        lambda: (
            _("🚶 {name} is on the way to you now (request no. {ref}).").format(
                name=html.quote(volunteer_name), ref=reference(request)
            ),
            None,
        ),
        kind="task_started",
        priority=Priority.URGENT,
    )
    await callback.answer(_("👍 We told them you are on your way. Thank you!"))
    await edit_pressed(callback, None, held_task_keyboard(request))


async def _ask_minutes(
    callback: CallbackQuery, request_id: int, session: AsyncSession, user: User, state: FSMContext
) -> None:
    await claims.held_task(session, user, request_id)
    await callback.answer()
    await state.set_state(VolunteerFlow.minutes)
    await state.update_data(request_id=request_id)
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "🎉 Well done! How long did it take, including the way there? Tap a button, or "
                "type the minutes (for example 45)."
            ),
            reply_markup=volunteer_views.minutes_keyboard(request_id),
        )


async def _complete(
    session: AsyncSession,
    user: User,
    request_id: int,
    minutes: int,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> str:
    """Mark the task done; tell the resident and ask for their rating. Returns the thanks."""
    request = await claims.complete_task(session, user, request_id, minutes, clock=clock)
    volunteer_name = first_name(user)
    await Notifier(session, settings, clock, i18n).tell_user(
        await session.get(User, request.resident_id),
        lambda: (
            _(
                "✅ {name} has finished request no. {ref}. We hope it went well! "
                "How was the help? Tap a button:"
            ).format(name=html.quote(volunteer_name), ref=reference(request)),
            rating_keyboard(request),
        ),
        kind="task_done",
        priority=Priority.NOTICE,
    )
    this_month, total = await volunteers.hours_of(session, user, clock=clock)
    return _(
        "🙏 Thank you! {spent} counted for request no. {ref}.\n"
        "Your time this month: {month}. In total: {total}."
    ).format(
        spent=duration_label(minutes),
        ref=reference(request),
        month=duration_label(this_month),
        total=duration_label(total),
    )


async def _chose_minutes(
    callback: CallbackQuery,
    callback_data: TaskAction,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    thanks = await _complete(
        session, user, callback_data.request_id, callback_data.value, settings, clock, i18n
    )
    await state.clear()
    await callback.answer()
    await edit_pressed(callback, thanks, None)


async def typed_minutes(
    message: Message,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    match = re.search(r"\d{1,5}", message.text or "")
    if match is None:
        await message.answer(_task_error_text(MinutesInvalid()))
        return
    try:
        thanks = await _complete(
            session, user, request_id, int(match.group()), settings, clock, i18n
        )
    except MinutesInvalid as error:
        await message.answer(_task_error_text(error))
        return
    except DomainError as error:
        await state.clear()
        await message.answer(_task_error_text(error))
        return
    await state.clear()
    await message.answer(thanks, reply_markup=keyboards.main_menu(user.role))


async def _ask_release(
    callback: CallbackQuery, request_id: int, session: AsyncSession, user: User
) -> None:
    await claims.held_task(session, user, request_id)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _("Are you sure you cannot make it? The task goes back to the other volunteers."),
            reply_markup=volunteer_views.release_confirm_keyboard(request_id),
        )


async def _release(
    callback: CallbackQuery,
    request_id: int,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    request = await claims.release_task(session, user, request_id, clock=clock)
    notifier = Notifier(session, settings, clock, i18n)
    volunteer_name = first_name(user)
    full_name = user.display_name or volunteer_name
    await notifier.tell_coordinators(
        lambda: (
            _(
                "↩️ {volunteer} cannot make it: request no. {ref} is back with the volunteers."
            ).format(volunteer=html.quote(full_name), ref=reference(request)),
            None,
        ),
        kind="task_released",
        priority=Priority.ALERT,
    )
    await notifier.tell_user(
        await session.get(User, request.resident_id),
        lambda: (
            _(
                "{name} cannot come after all, sorry. Do not worry: we are finding another "
                "volunteer for request no. {ref}."
            ).format(name=html.quote(volunteer_name), ref=reference(request)),
            None,
        ),
        kind="task_released",
        priority=Priority.NOTICE,
    )
    await notifier.tell_volunteers_group(
        lambda: (public_card(request), claim_keyboard(request)),
        kind="task_reposted",
        priority=Priority.NOTICE,
    )
    await callback.answer(_("Thank you for telling us."))
    await edit_pressed(
        callback,
        _("↩️ You gave back request no. {ref}. Thank you for telling us in time.").format(
            ref=reference(request)
        ),
        None,
    )


async def _keep(
    callback: CallbackQuery, request_id: int, session: AsyncSession, user: User
) -> None:
    await claims.held_task(session, user, request_id)
    await callback.answer(_("👍 Good, the task stays yours."))
    await edit_pressed(callback, _("👍 Good, the task stays yours."), None)


async def task_action(
    callback: CallbackQuery,
    callback_data: TaskAction,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """Every task button comes here; the services decide whether the presser may do it."""
    action, request_id = callback_data.action, callback_data.request_id
    if action != "claim" and _in_group(callback):
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    try:
        if action == "claim":
            await _claim(callback, request_id, session, user, settings, clock, i18n)
        elif action == "view":
            await _view_task(callback, request_id, session, user, bot)
        elif action == "page":
            await _more_tasks(callback, callback_data.value, session, user, bot)
        elif action == "start":
            await _start(callback, request_id, session, user, settings, clock, i18n)
        elif action == "done":
            await _ask_minutes(callback, request_id, session, user, state)
        elif action == "minutes":
            await _chose_minutes(
                callback, callback_data, session, user, state, settings, clock, i18n
            )
        elif action == "release":
            await _ask_release(callback, request_id, session, user)
        elif action == "release_yes":
            await _release(callback, request_id, session, user, settings, clock, i18n)
        elif action == "keep":
            await _keep(callback, request_id, session, user)
        else:
            await callback.answer(
                _("This button is no longer active. Please use the latest message."),
                show_alert=True,
            )
    except DomainError as error:
        await _answer_task_error(callback, error, session, user)


# ---- my tasks, my hours -------------------------------------------------------------------


async def show_my_tasks(message: Message, session: AsyncSession, user: User, clock: Clock) -> None:
    try:
        held = await claims.tasks_held(session, user)
    except (VolunteerNotApproved, NotAllowed):
        await message.answer(await _not_allowed_text(session, user))
        return
    if not held:
        await message.answer(_("You hold no tasks now. 🔎 Open tasks shows who needs a hand."))
        return
    await message.answer(_("🧰 Your tasks: {count}").format(count=len(held)))
    for request in held:
        task = await claims.show_task(session, user, request.id, clock=clock)
        await message.answer(
            private_card(task.request, task.resident), reply_markup=held_task_keyboard(task.request)
        )


async def show_hours(message: Message, session: AsyncSession, user: User, clock: Clock) -> None:
    if not user.is_onboarded or user.role not in (UserRole.VOLUNTEER, UserRole.COORDINATOR):
        await message.answer(await _not_allowed_text(session, user))
        return
    this_month, total = await volunteers.hours_of(session, user, clock=clock)
    await message.answer(
        _("⏱ Your volunteering time\nThis month: {month}\nIn total: {total}").format(
            month=duration_label(this_month), total=duration_label(total)
        )
        + ("\n\n" + _("Thank you for all you do! 🙏") if total else "")
    )


# ---- coordinators decide on volunteers ----------------------------------------------------


async def decided_volunteer(
    callback: CallbackQuery,
    callback_data: VolunteerDecision,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    """Approve or decline a volunteer; a second or stale press shows the decision made."""
    if not user.is_onboarded or user.role is not UserRole.COORDINATOR:
        await callback.answer(_("Only coordinators can approve volunteers."), show_alert=True)
        return
    locale = settings.default_locale if _in_group(callback) else i18n.current_locale
    try:
        volunteer, profile = await volunteers.decide_volunteer(
            session,
            user,
            callback_data.volunteer_id,
            approve=callback_data.approve,
            clock=clock,
        )
    except VolunteerNotApproved:  # decided already, maybe by someone else
        registration = await volunteers.registration_of(session, callback_data.volunteer_id)
        assert registration is not None
        profile, decider = registration
        with i18n.use_locale(locale):
            note = volunteer_views.decision_note(
                profile.status is VolunteerStatus.APPROVED, decider
            )
        await callback.answer(note, show_alert=True)
        await retire_buttons(callback, note)
        return
    except NotAllowed:
        await callback.answer(_("This volunteer is no longer registered."), show_alert=True)
        await retire_buttons(callback)
        return
    with i18n.use_locale(locale):
        note = volunteer_views.decision_note(callback_data.approve, user)
    await callback.answer(note)
    await retire_buttons(callback, note)

    def render() -> Rendered:
        if profile.status is VolunteerStatus.APPROVED:
            text = _(
                "🎉 Good news, {name}: a coordinator has approved you as a volunteer. "
                "Tap “🔎 Open tasks” to see who needs a hand."
            )
        else:
            text = _(
                "Thank you for offering to help, {name}. A coordinator could not approve your "
                "registration this time; they may get in touch with you."
            )
        return text.format(name=html.quote(volunteer.display_name or "")), keyboards.main_menu(
            volunteer.role
        )

    await Notifier(session, settings, clock, i18n).tell_user(
        volunteer,
        render,
        kind="volunteer_decided",
        priority=Priority.NOTICE,
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="volunteering")
    router.message.register(show_open_tasks, PRIVATE, Command("tasks"))
    router.message.register(show_open_tasks, PRIVATE, button_text("🔎 Open tasks"))
    router.message.register(show_my_tasks, PRIVATE, Command("mytasks"))
    router.message.register(show_my_tasks, PRIVATE, button_text("🧰 My tasks"))
    router.message.register(show_hours, PRIVATE, Command("hours"))
    router.message.register(show_hours, PRIVATE, button_text("⏱ My hours"))
    router.message.register(typed_minutes, PRIVATE, VolunteerFlow.minutes, F.text)
    router.callback_query.register(task_action, TaskAction.filter())
    router.callback_query.register(decided_volunteer, VolunteerDecision.filter())
    return router
