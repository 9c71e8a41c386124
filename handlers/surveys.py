"""Surveys. A coordinator's /survey: who it goes to → how often → the day of the month → the
hour → which questions (ticked in place) → saved. Someone asked: the first question comes
through the outbox; each tap answers it and asks the next; at the end a voice message or a
few words, or "no, thank you". Each step moved on with `handlers.wizard`; anything but a tap
where a tap is awaited gets the question again with its buttons."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import SurveySetupStep, SurveyTap
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import surveys
from bot.services.errors import (
    InvalidInput,
    NotAllowed,
    SurveyAnswered,
    SurveyNotFound,
    TextTooLong,
)
from bot.services.surveys import BY_KEY, SurveyPlan
from bot.views import surveys as views
from handlers.audience import PRIVATE
from handlers.replies import (
    button_text,
    buttons_again,
    edit_pressed,
    not_yours_text,
    retire_buttons,
    stale_button_text,
)
from handlers.requests.asking import menu_kind, start_asking, tapped_kind
from handlers.requests.mine import show_my_requests
from handlers.wizard import ask_once_more, pressed_then_ask, remember_question
from storage.models import SurveyAudience, SurveyInvite, User


class SurveySetup(StatesGroup):
    who = State()
    often = State()
    day = State()
    hour = State()
    questions = State()


class SurveyAnswering(StatesGroup):
    question = State()
    comment = State()


_SETUP_STEPS = {"who": SurveySetup.who, "often": SurveySetup.often, "day": SurveySetup.day,
                "hour": SurveySetup.hour, "q": SurveySetup.questions,
                "done": SurveySetup.questions}  # fmt: skip


async def show_survey(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if not ctx.may(Action.SET_UP_SURVEY):
        await message.answer(views.coordinators_only())
        return
    await state.clear()
    setting = await surveys.survey_setting(ctx.session, ctx.person)
    await message.answer(views.setting_text(setting), reply_markup=views.setting_keyboard(setting))


async def setup_step(
    callback: CallbackQuery, callback_data: SurveySetupStep, state: FSMContext, ctx: UpdateContext
) -> None:
    if not ctx.may(Action.SET_UP_SURVEY):
        await callback.answer(not_yours_text(), show_alert=True)
        return
    field, value = callback_data.field, callback_data.value
    if field in _SETUP_STEPS and await state.get_state() != _SETUP_STEPS[field].state:
        await callback.answer(stale_button_text())
        return
    data = await state.get_data()
    try:
        if field == "start":
            await pressed_then_ask(
                callback, state, SurveySetup.who, views.who_text(), views.who_keyboard()
            )
        elif field == "stop":
            await surveys.stop_survey(ctx.session, ctx.person)
            await callback.answer()
            await edit_pressed(callback, views.survey_stopped_text())
        elif field == "who":
            audience = SurveyAudience(value)
            await state.update_data(audience=audience.value)
            await pressed_then_ask(
                callback, state, SurveySetup.often, views.often_text(), views.often_keyboard(),
                note=views.audience_name(audience),
            )  # fmt: skip
        elif field == "often" and value.isdigit() and int(value) in surveys.EVERY_MONTHS:
            await state.update_data(months=int(value))
            await pressed_then_ask(
                callback, state, SurveySetup.day, views.day_text(), views.day_keyboard(),
                note=views.often_name(int(value)),
            )  # fmt: skip
        elif field == "day" and value.isdigit() and int(value) in surveys.SURVEY_DAYS:
            await state.update_data(day=int(value))
            await pressed_then_ask(
                callback, state, SurveySetup.hour, views.hour_text(int(value)),
                views.hour_keyboard(), note=value,
            )  # fmt: skip
        elif field == "hour" and value.isdigit() and int(value) in surveys.SURVEY_HOURS:
            audience = SurveyAudience(data["audience"])
            chosen = surveys.default_questions(audience)
            await state.update_data(hour=int(value), chosen=chosen)
            await pressed_then_ask(
                callback, state, SurveySetup.questions, views.questions_text(audience),
                views.questions_keyboard(audience, chosen), note=f"{int(value):02d}:00",
            )  # fmt: skip
        elif field == "q":
            await _toggle(callback, state, SurveyAudience(data["audience"]), data, value)
        elif field == "done":
            await _save(callback, state, ctx, data)
        else:
            await callback.answer(stale_button_text())
    except (ValueError, KeyError, InvalidInput):
        await callback.answer(stale_button_text())
    except NotAllowed:
        await callback.answer(not_yours_text(), show_alert=True)


async def _toggle(
    callback: CallbackQuery, state: FSMContext, audience: SurveyAudience, data: dict, key: str
) -> None:
    if key not in {question.key for question in surveys.questions_for(audience)}:
        raise InvalidInput()
    chosen = [k for k in data.get("chosen", []) if k != key]
    if len(chosen) == len(data.get("chosen", [])):
        chosen.append(key)
    chosen.sort(key=list(BY_KEY).index)
    await state.update_data(chosen=chosen)
    text, markup = views.questions_text(audience), views.questions_keyboard(audience, chosen)
    await remember_question(state, text, markup)
    await callback.answer()
    await edit_pressed(callback, None, markup)


async def _save(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, data: dict) -> None:
    audience = SurveyAudience(data["audience"])
    chosen = list(data.get("chosen", []))
    if not surveys.valid_questions(audience, chosen):
        await callback.answer(views.too_few_text(), show_alert=True)
        return
    plan = SurveyPlan(audience, chosen, int(data["months"]), int(data["day"]), int(data["hour"]))
    survey = await surveys.set_survey(
        ctx.session, ctx.settings, ctx.person, plan, now=ctx.clock.now()
    )
    await state.clear()
    await callback.answer()
    await retire_buttons(callback)
    if isinstance(callback.message, Message):
        await callback.message.answer(views.survey_set_text(survey))


async def setup_not_a_tap(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


# answering


async def tapped(
    callback: CallbackQuery, callback_data: SurveyTap, state: FSMContext, ctx: UpdateContext
) -> None:
    invite_id, step = callback_data.invite_id, callback_data.step
    try:
        if callback_data.action == "a":
            answered = await surveys.answer(
                ctx.session, ctx.person, invite_id, step, callback_data.value, now=ctx.clock.now()
            )
            question = surveys.question_at(answered.invite, step)
            note = views.answer_label(question.scale, callback_data.value)
            await state.update_data(invite_id=invite_id)
            following = answered.next_question
            if following is not None:
                count = len(answered.invite.questions)
                await pressed_then_ask(
                    callback, state, SurveyAnswering.question,
                    views.asking_text(step + 1, count, following),
                    views.question_keyboard(invite_id, step + 1, following), note=note,
                )  # fmt: skip
            else:
                await pressed_then_ask(
                    callback, state, SurveyAnswering.comment, views.comment_text(),
                    views.comment_keyboard(invite_id), note=note,
                )  # fmt: skip
        elif callback_data.action == "skip":
            await surveys.comment(ctx.session, ctx.person, invite_id, now=ctx.clock.now())
            await state.clear()
            await callback.answer()
            await retire_buttons(callback)
            if isinstance(callback.message, Message):
                await callback.message.answer(views.thanks_text())
        else:
            await callback.answer(stale_button_text())
    except SurveyAnswered:
        await callback.answer(views.answered_already_text())
    except SurveyNotFound:
        await callback.answer(views.survey_closed_text(), show_alert=True)
    except InvalidInput:
        await callback.answer(stale_button_text())
    except NotAllowed:
        await callback.answer(not_yours_text(), show_alert=True)


async def awaiting_survey(
    message: Message, user: User | None = None, session: AsyncSession | None = None
) -> bool | dict[str, Any]:
    """A filter: something sent in a private chat, understood by no other flow, by someone
    whose survey question (sent through the outbox) waits for a tap."""
    if message.chat.type != "private" or session is None:
        return False
    invite = await surveys.awaiting(session, user)
    return {"invite": invite} if invite is not None else False


async def survey_again(message: Message, state: FSMContext, invite: SurveyInvite) -> None:
    """The waiting question again, with its buttons, right under what she sent."""
    question = surveys.question_at(invite, invite.step)
    text = views.asking_text(invite.step, len(invite.questions), question)
    markup = views.question_keyboard(invite.id, invite.step, question)
    await state.set_state(SurveyAnswering.question)
    await state.update_data(invite_id=invite.id)
    await remember_question(state, text, markup)
    await buttons_again(message, text, markup)


async def answering_not_a_tap(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


async def commented(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    invite_id = int((await state.get_data()).get("invite_id", 0))
    voice = message.voice.file_id if message.voice else None
    try:
        await surveys.comment(
            ctx.session, ctx.person, invite_id, text=message.text if voice is None else None,
            voice_file_id=voice, now=ctx.clock.now(),
        )  # fmt: skip
    except TextTooLong as error:
        await message.answer(views.comment_too_long_text(error.limit))
        return
    except (SurveyAnswered, SurveyNotFound, NotAllowed):
        await state.clear()
        await message.answer(views.survey_closed_text())
        return
    await state.clear()
    await message.answer(views.comment_thanks_text())


def build_router() -> Router:
    router = Router(name="surveys")
    router.message.register(show_survey, Command("survey"), PRIVATE)
    router.callback_query.register(setup_step, SurveySetupStep.filter())
    router.callback_query.register(tapped, SurveyTap.filter())
    # the menu still works in the middle of a survey ("🙋 I need help" above all)
    answering = StateFilter(*SurveyAnswering.__all_states__)
    router.message.register(start_asking, PRIVATE, answering, button_text("🙋 I need help"))
    router.message.register(tapped_kind, PRIVATE, answering, F.text.func(menu_kind))
    router.message.register(show_my_requests, PRIVATE, answering, button_text("📋 My requests"))
    router.message.register(setup_not_a_tap, StateFilter(*SurveySetup.__all_states__))
    router.message.register(answering_not_a_tap, StateFilter(SurveyAnswering.question))
    router.message.register(commented, StateFilter(SurveyAnswering.comment), F.text | F.voice)
    router.message.register(answering_not_a_tap, StateFilter(SurveyAnswering.comment))
    router.message.register(survey_again, StateFilter(None), awaiting_survey)
    return router
