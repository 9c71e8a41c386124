"""The question of each step of registering, (re)asked with its buttons: the one way a step is
asked, also after /language, a restart or an error."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import UpdateContext
from bot.services import communities, places
from bot.views import keyboards
from bot.views import onboarding as views
from bot.views import places as place_views
from bot.views import volunteering as volunteer_views
from handlers.onboarding.states import Onboarding
from storage.models import User, UserRole


def is_volunteer(data: dict[str, Any]) -> bool:
    return data.get("role") != UserRole.RESIDENT.value


async def question(
    state: FSMContext, first_name: str, session: AsyncSession
) -> tuple[str, Any] | None:
    """The text and buttons of the step the person is on (None: not registering)."""
    current = await state.get_state()
    data = await state.get_data()
    if current == Onboarding.role.state:
        return views.role_question(), keyboards.role_choice()
    if current == Onboarding.consent.state:
        return views.consent_question(first_name), keyboards.consent(first_name)
    if current == Onboarding.community.state:
        choices = [(row.id, row.name) for row in await communities.to_live_in(session)]
        page = int(data.get("community_page", 0))
        return views.community_question(), views.community_keyboard(choices, page)
    if current == Onboarding.name.state:
        return views.name_question(), keyboards.name_suggestion(first_name)
    if current == Onboarding.phone.state:
        return views.phone_question(data.get("name", "")), keyboards.phone_request()
    if current == Onboarding.area.state:
        volunteer = is_volunteer(data)
        offered = await places.offered_to_chat(session, state.key.user_id)
        return place_views.choice_question(volunteer=volunteer), place_views.choice_keyboard(
            offered, volunteer=volunteer
        )
    if current == Onboarding.address.state:
        return place_views.address_question(), keyboards.skip_keyboard()
    if current == Onboarding.skills.state:
        chosen = data.get("skills", [])
        return volunteer_views.skills_question(), volunteer_views.offer_keyboard("skill", chosen)
    if current == Onboarding.languages.state:
        chosen = data.get("languages", [])
        return volunteer_views.languages_question(), volunteer_views.offer_keyboard("lang", chosen)
    return None


async def ask_current_step(
    bot: Bot, chat_id: int, state: FSMContext, first_name: str, session: AsyncSession
) -> None:
    """(Re)send the question of the step the person is on, with its buttons."""
    asked = await question(state, first_name, session)
    if asked is not None:
        await bot.send_message(chat_id, asked[0], reply_markup=asked[1])


async def go_to(
    step: State, bot: Bot, chat_id: int, state: FSMContext, session: AsyncSession
) -> None:
    """On to `step`, and ask it."""
    await state.set_state(step)
    await ask_current_step(bot, chat_id, state, "", session)


async def where_registered(ctx: UpdateContext) -> str:
    """With several communities, the welcome also says which one the person is in."""
    if len(await communities.to_live_in(ctx.session)) < 2:
        return ""
    return "\n\n" + views.your_community_text((await ctx.community()).name)


def after_community(data: dict[str, Any]) -> State:
    """Where registering goes once the community is known: the phone, when the consent gave
    the name already, else the name."""
    return Onboarding.phone if data.get("name") else Onboarding.name


async def begin(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    user: User,
    first_name: str,
    session: AsyncSession,
) -> None:
    """Start registering; a role given by an invite skips the question of role."""
    await state.clear()
    if user.role is not None:
        await state.update_data(role=user.role.value)
        await state.set_state(Onboarding.consent)
    else:
        await state.set_state(Onboarding.role)
    await ask_current_step(bot, chat_id, state, first_name, session)
