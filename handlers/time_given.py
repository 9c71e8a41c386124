"""➕ Record time a household gave (from a coordinator's "⏱ My hours"): a resident who was
helped, helping in turn (爱心时间 given back). Tap the household, write how long; it is
credited to the household's time account once, even if the update comes again (its source is
the message that said how long)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TimeGiven
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import time_bank
from bot.services.errors import MinutesInvalid, NotAllowed
from bot.understanding.durations import parse_duration
from bot.views import keyboards
from bot.views import time_bank as views
from bot.views import volunteering as task_views
from handlers.audience import PRIVATE, for_audience
from handlers.replies import edit_pressed, stale_button_text
from handlers.wizard import pressed_then_ask


class TimeGivenFlow(StatesGroup):
    minutes = State()  # how long the household (`household_id`) gave


async def time_given_step(
    callback: CallbackQuery, callback_data: TimeGiven, state: FSMContext, ctx: UpdateContext
) -> None:
    if not isinstance(callback.message, Message) or callback.message.chat.type != "private":
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    if callback_data.action == "start":
        homes = await time_bank.households_to_credit(ctx.session, ctx.person, ctx.settings)
        text, markup = views.household_question(homes)
        if markup is None:
            await callback.answer(text, show_alert=True)
            return
        await callback.answer()
        await callback.message.answer(text, reply_markup=markup)
        return
    homes = await time_bank.households_to_credit(ctx.session, ctx.person, ctx.settings)
    if callback_data.action == "hhpage":  # another page of the picker
        await callback.answer()
        await edit_pressed(callback, None, views.household_question(homes, callback_data.value)[1])
        return
    home = next((h for h in homes if h.id == callback_data.value), None)
    if callback_data.action != "hh" or home is None:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await state.clear()
    await state.update_data(household_id=home.id)
    await pressed_then_ask(
        callback, state, TimeGivenFlow.minutes, views.minutes_question(), note=home.code,
        stop=True,
    )  # fmt: skip


async def typed_minutes(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    minutes = parse_duration(message.text)
    household_id = int((await state.get_data()).get("household_id") or 0)
    try:
        if minutes is None:
            raise MinutesInvalid()
        household = await time_bank.record_time_given(
            ctx.session, ctx.person, household_id, minutes, now=ctx.clock.now(),
            source=f"given:{message.chat.id}:{message.message_id}", settings=ctx.settings,
        )  # fmt: skip
    except MinutesInvalid as error:
        await message.answer(task_views.task_error_text(error))
        return
    except NotAllowed:
        await state.clear()
        await message.answer(stale_button_text())
        return
    await state.clear()
    role = ctx.person.role if ctx.person else None
    await message.answer(
        views.time_given_text(household, minutes), reply_markup=keyboards.main_menu(role)
    )


async def words_please(message: Message) -> None:
    await message.answer(views.minutes_question())


def _coordinators_only() -> str:
    return _("Only coordinators record the time a household gave.")


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="time_given"), Action.MANAGE_HOUSEHOLDS, _coordinators_only)
    router.callback_query.register(time_given_step, TimeGiven.filter())
    router.message.register(typed_minutes, PRIVATE, F.text, TimeGivenFlow.minutes)
    router.message.register(words_please, PRIVATE, TimeGivenFlow.minutes)
    return router
