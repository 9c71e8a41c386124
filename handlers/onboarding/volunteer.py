"""Registering, for volunteers: what help they offer and which languages they speak (tapped on
and off on one message, then "Done"); then registered, approved at once if a coordinator
invited them, else waiting for the coordinators, who are told."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import VolunteerOffer
from bot.commands import set_chat_commands
from bot.context import UpdateContext
from bot.policy.notify import registration as notify
from bot.services import invites, users, volunteers
from bot.views import onboarding as views
from bot.views import volunteering as volunteer_views
from bot.views.words import join_items
from handlers.onboarding.details import chosen_place
from handlers.onboarding.questions import question, where_registered
from handlers.onboarding.states import Onboarding
from handlers.replies import retire_buttons, send_main_menu, stale_button_text
from handlers.wizard import answer_now, pressed_then_ask
from storage.models import UserRole, VolunteerStatus


async def toggled_offer(
    callback: CallbackQuery, callback_data: VolunteerOffer, state: FSMContext
) -> None:
    """A skill or a language tapped on or off; the same message shows the new marks."""
    key = "skills" if callback_data.kind == "skill" else "languages"
    expected = Onboarding.skills if key == "skills" else Onboarding.languages
    if await state.get_state() != expected.state or callback_data.value not in (
        volunteer_views.offer_values(callback_data.kind)
    ):
        await callback.answer(stale_button_text())
        return
    chosen: list[str] = list((await state.get_data()).get(key, []))
    if callback_data.value in chosen:
        chosen.remove(callback_data.value)
    else:
        chosen.append(callback_data.value)
    await state.update_data({key: chosen})
    await callback.answer()
    if isinstance(callback.message, Message):
        with suppress(TelegramBadRequest):  # a double tap: the marks are already there
            await callback.message.edit_reply_markup(
                reply_markup=volunteer_views.offer_keyboard(callback_data.kind, chosen)
            )


async def finished_offer(
    callback: CallbackQuery,
    callback_data: VolunteerOffer,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """ "Done" under skills (on to languages) or languages (register, and wait or start)."""
    step = callback_data.value
    expected = Onboarding.skills if step == "skill" else Onboarding.languages
    if await state.get_state() != expected.state:
        await callback.answer(stale_button_text())
        return
    data: dict[str, Any] = await state.get_data()
    chosen: list[str] = data.get("skills" if step == "skill" else "languages", [])
    if not chosen:
        await callback.answer(views.tap_one_first_text(), show_alert=True)
        return
    labels = (
        volunteer_views.skill_label if step == "skill" else volunteer_views.spoken_language_label
    )
    note = join_items(labels(value) for value in chosen)
    if step == "skill":
        await answer_now(callback)
        await state.set_state(Onboarding.languages)
        asked = await question(state, "", ctx.session)
        assert asked is not None
        await pressed_then_ask(callback, state, None, asked[0], asked[1], note=note)
        return
    await callback.answer()
    await retire_buttons(callback, note)
    await _register_volunteer(callback.from_user.id, data, state, ctx, bot)


async def _register_volunteer(
    chat_id: int, data: dict[str, Any], state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """Save the volunteer. Someone a coordinator invited is approved already; anyone else waits,
    and the coordinators get the registration with approve/decline buttons."""
    user = ctx.person
    assert user is not None
    await users.complete_onboarding(
        ctx.session,
        user,
        role=UserRole.VOLUNTEER,
        display_name=data["name"],
        phone=data.get("phone"),
        place=await chosen_place(ctx, data),
        clock=ctx.clock,
        settings=ctx.settings,
    )
    invited, inviter = await invites.redeemed_invite(ctx.session, user)
    skills, languages = data.get("skills", []), data.get("languages", [])
    profile = await volunteers.register_volunteer(
        ctx.session,
        user,
        skills=skills,
        languages=languages,
        clock=ctx.clock,
        approved_by=(inviter or user) if invited else None,
    )
    await state.clear()
    await set_chat_commands(bot, ctx.i18n, chat_id, ctx.i18n.current_locale, user.role)
    where = await where_registered(ctx)
    if profile.status is VolunteerStatus.APPROVED:
        await send_main_menu(bot, chat_id, user, views.welcome_text(user) + where)
        return
    await send_main_menu(bot, chat_id, user, views.volunteer_waits_text(user) + where)
    await notify.volunteer_waits(ctx.notifier, user, skills, languages)
