"""Registering, where several communities share the bot and no join link or invitation said
which: "Which community do you live in?", one big button each (in pages of eight), asked
right after the consent. The tap puts the person there at once, so the places offered next
are that community's."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CommunityChoice
from bot.context import UpdateContext
from bot.services import users
from bot.services.errors import NotAllowed
from bot.views import onboarding as views
from handlers.onboarding.questions import after_community, ask_current_step, question
from handlers.replies import stale_button_text
from handlers.wizard import answer_now, pressed_then_ask


async def chose_community(
    callback: CallbackQuery,
    callback_data: CommunityChoice,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    assert ctx.person is not None
    if callback_data.action == "page":
        await callback.answer()
        await state.update_data(community_page=callback_data.value)
        asked = await question(state, callback.from_user.first_name, ctx.session)
        assert asked is not None
        if isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):  # a double tap: that page is shown already
                await callback.message.edit_reply_markup(reply_markup=asked[1])
        return
    try:
        if callback_data.action != "pick":
            raise NotAllowed()
        community = await users.choose_community(
            ctx.session, ctx.settings, ctx.person, callback_data.value
        )
    except NotAllowed:
        await callback.answer(stale_button_text())
        await ask_current_step(bot, callback.from_user.id, state, "", ctx.session)
        return
    await answer_now(callback)  # the choice is recorded, committed before the buttons go
    await state.set_state(after_community(await state.get_data()))
    asked = await question(state, callback.from_user.first_name, ctx.session)
    assert asked is not None
    await pressed_then_ask(
        callback,
        state,
        None,
        asked[0],
        asked[1],
        note=views.community_chosen_note(community.name),
    )


async def typed_community(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """The name of a community typed instead of tapped: taken if it is one; anything else
    gets the question again, with its buttons."""
    assert ctx.person is not None
    first_name = message.from_user.first_name if message.from_user else ""
    community = await users.community_named(ctx.session, message.text or "")
    if community is None:
        await message.answer(views.tap_below_text())
    else:
        await users.choose_community(ctx.session, ctx.settings, ctx.person, community.id)
        await state.set_state(after_community(await state.get_data()))
    await ask_current_step(bot, message.chat.id, state, first_name, ctx.session)
