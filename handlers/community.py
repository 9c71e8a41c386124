"""The community's voice: "📞 Please call me" and the coordinators' list of calls to make; the
language of a group, chosen there by a coordinator (❓ Help or /language in the group: the bot
sees commands in privacy mode). A pop-up answers in the presser's language; what is posted in
the group, in the group's."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CallBackAction, GroupLanguageChoice
from bot.config import LOCALES
from bot.context import UpdateContext
from bot.i18n import LANGUAGE_NAMES
from bot.policy.notify import community as notify
from bot.policy.permissions import Action
from bot.services import community
from bot.services.errors import CallBackDone, CallBackNotFound, NotAllowed
from bot.views import help as views
from bot.views import keyboards
from handlers.audience import PRIVATE
from handlers.replies import (
    button_text,
    edit_pressed,
    not_registered_text,
    retire_buttons,
    stale_button_text,
)

IN_GROUP = F.chat.type.in_({"group", "supergroup"})


# please call me


async def call_me(callback: CallbackQuery, ctx: UpdateContext, bot: Bot) -> None:
    try:
        asked = await community.ask_call_back(ctx.session, ctx.person, clock=ctx.clock)
    except NotAllowed:
        await callback.answer(not_registered_text(), show_alert=True)
        return
    assert ctx.person is not None
    if asked.new:
        await notify.call_back_asked(ctx.notifier, asked.call, ctx.person)
    await callback.answer()
    await retire_buttons(callback, str(keyboards.CALL_ME))
    await bot.send_message(callback.from_user.id, views.call_back_asked_text(ctx.person, asked.new))


async def show_call_backs(message: Message, ctx: UpdateContext) -> None:
    try:
        waiting = await community.waiting_call_backs(ctx.session, ctx.person, await ctx.scope())
    except NotAllowed:
        await message.answer(views.call_backs_are_for_coordinators_text())
        return
    text, markup = views.call_backs_list(waiting, (await ctx.community()).timezone)
    await message.answer(text, reply_markup=markup)


async def called(
    callback: CallbackQuery, callback_data: CallBackAction, ctx: UpdateContext
) -> None:
    """A coordinator marks a call made: the pop-up in their language; the card (in a group, in
    the group's language) says who called."""
    try:
        caller = await community.mark_called(
            ctx.session, ctx.person, callback_data.call_id, await ctx.scope(), clock=ctx.clock
        )
    except NotAllowed:
        await callback.answer(views.call_backs_are_for_coordinators_text(), show_alert=True)
        return
    except CallBackNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    except CallBackDone:
        await callback.answer(views.call_back_already_done_text(), show_alert=True)
        await retire_buttons(callback)
        return
    assert ctx.person is not None
    await callback.answer(views.call_back_done_text(ctx.person, caller))
    in_group = callback.message is not None and callback.message.chat.id < 0
    locale = ctx.group_language() if in_group else ctx.i18n.current_locale
    with ctx.i18n.use_locale(locale):
        note = views.call_back_done_text(ctx.person, caller)
    await retire_buttons(callback, note)


async def call_back_action(
    callback: CallbackQuery, callback_data: CallBackAction, ctx: UpdateContext, bot: Bot
) -> None:
    if callback_data.action == "ask" and callback.message is not None:
        if callback.message.chat.id < 0:  # a help message is only ever in a private chat
            await callback.answer(stale_button_text(), show_alert=True)
            return
        await call_me(callback, ctx, bot)
    elif callback_data.action == "done":
        await called(callback, callback_data, ctx)
    else:
        await callback.answer(stale_button_text(), show_alert=True)


# a group's language


async def group_help(message: Message, ctx: UpdateContext) -> None:
    """❓ Help typed in a group (/help, which the bot sees in privacy mode): what the person can
    do, the phone of the group's community, and for a coordinator the buttons of the group's
    language."""
    user = ctx.person
    if user is None:
        return
    here = await community.settings_here(ctx.session, ctx.settings, user, message.chat.id)
    text = views.help_text(user, here.phone, in_group=True)
    if await community.group_is_theirs(ctx.session, ctx.settings, user, message.chat.id):
        question, markup = views.group_language_question(ctx.group_locale)
        await message.answer(f"{text}\n\n{question}", reply_markup=markup)
        return
    await message.answer(text)


async def ask_group_language(message: Message, ctx: UpdateContext) -> None:
    if not ctx.may(Action.SET_GROUP_LANGUAGE):
        await message.reply(views.group_language_for_coordinators_text())
        return
    if not await community.group_is_theirs(ctx.session, ctx.settings, ctx.person, message.chat.id):
        await message.reply(views.group_of_another_community_text())
        return
    text, markup = views.group_language_question(ctx.group_locale)
    await message.answer(text, reply_markup=markup)


async def chose_group_language(
    callback: CallbackQuery, callback_data: GroupLanguageChoice, ctx: UpdateContext
) -> None:
    message = callback.message
    locale = callback_data.locale
    if not isinstance(message, Message) or message.chat.id >= 0 or locale not in LOCALES:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        await community.set_group_language(
            ctx.session, ctx.person, message.chat.id, locale, settings=ctx.settings, clock=ctx.clock
        )
    except NotAllowed:
        refusal = (
            views.group_of_another_community_text()
            if ctx.may(Action.SET_GROUP_LANGUAGE)
            else views.group_language_for_coordinators_text()
        )
        await callback.answer(refusal, show_alert=True)
        return
    await callback.answer(LANGUAGE_NAMES[locale])  # the presser's pop-up
    with ctx.i18n.use_locale(locale):  # the group reads its new language from now on
        await edit_pressed(callback, views.group_language_set_text(locale))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several). It
    comes before `common`, whose /help and /language are a person's own, in private."""
    router = Router(name="community")
    router.message.register(group_help, IN_GROUP, Command("help"))
    router.message.register(ask_group_language, IN_GROUP, Command("language"))
    router.callback_query.register(chose_group_language, GroupLanguageChoice.filter())
    router.callback_query.register(call_back_action, CallBackAction.filter())
    router.message.register(show_call_backs, PRIVATE, button_text("📞 Calls to make"))
    return router
