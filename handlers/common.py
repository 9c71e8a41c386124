"""What works at any moment: ❓ Help, ✖️ Stop (or a cancel word typed at any step), 🌐 Language,
🔒 Privacy (and the commands /help, /cancel, /language, /privacy for those who type them), and
the main menu."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import LanguageChoice, PrivacyAction, PrivacyStep
from bot.commands import clear_chat_commands, set_chat_commands
from bot.config import LOCALES
from bot.context import UpdateContext
from bot.i18n import LANGUAGE_NAMES
from bot.policy.notify import erasure as notify
from bot.services import community, fund_posts, give_back, users
from bot.views import help as help_views
from bot.views import keyboards
from bot.views import privacy as views
from bot.views.onboarding import privacy_notice
from handlers.onboarding import ask_current_step, begin
from handlers.replies import (
    button_text,
    details_text,
    is_stop_word,
    not_registered_text,
    retire_buttons,
    send_main_menu,
)
from storage.fsm import forget_conversations
from storage.models import User


class PrivacyFlow(StatesGroup):
    confirm_delete = State()


async def show_help(message: Message, ctx: UpdateContext, bot: Bot) -> None:
    """Everything the person can do, by the buttons of their menu; their community's phone (in
    a community's group, that community's) and "📞 Please call me" (in a private chat: a group
    is not where one asks to be phoned)."""
    user = _person(ctx)
    here = await community.settings_here(ctx.session, ctx.settings, user, message.chat.id)
    text = help_views.help_text(user, here.phone)
    private = message.chat.id > 0
    markup = None
    if user.is_onboarded and private:
        reads = await fund_posts.reads_monthly(ctx.session, user)
        nudges = await give_back.wants_nudges(ctx.session, user)
        markup = help_views.help_keyboard(reads, nudges)
    await message.answer(text, reply_markup=markup)


def _person(ctx: UpdateContext) -> User:
    """Every update this router handles comes from someone (the user middleware saw to it)."""
    assert ctx.person is not None
    return ctx.person


async def cancel(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    user = _person(ctx)
    had_state = await state.get_state() is not None
    await state.clear()
    if user.is_onboarded:
        text = _("OK, stopped. Nothing was changed.") if had_state else None
        await send_main_menu(bot, message.chat.id, user, text)
    else:
        await message.answer(
            _("OK, stopped. Write to me whenever you want to register."),
            reply_markup=keyboards.no_keyboard(),
        )


def _language_question(ctx: UpdateContext) -> tuple[str, InlineKeyboardMarkup]:
    return _("Choose your language:"), keyboards.language_choice(ctx.i18n.current_locale)


async def ask_language(message: Message, ctx: UpdateContext) -> None:
    text, markup = _language_question(ctx)
    await message.answer(text, reply_markup=markup)


async def ask_language_from_button(callback: CallbackQuery, ctx: UpdateContext, bot: Bot) -> None:
    await callback.answer()
    text, markup = _language_question(ctx)
    await bot.send_message(callback.from_user.id, text, reply_markup=markup)


async def chose_language(
    callback: CallbackQuery,
    callback_data: LanguageChoice,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    user, session, i18n = _person(ctx), ctx.session, ctx.i18n
    locale = callback_data.locale
    await users.choose_locale(session, user, locale, clock=ctx.clock)
    chat_id = callback.from_user.id
    with i18n.use_locale(locale):
        await callback.answer(LANGUAGE_NAMES[locale])
        await retire_buttons(callback)
        text = _("✅ Language: {language}").format(language=LANGUAGE_NAMES[locale])
        await set_chat_commands(
            bot, i18n, chat_id, locale, user.role if user.is_onboarded else None
        )
        current = await state.get_state()
        if user.is_onboarded:
            await send_main_menu(bot, chat_id, user, text)
        elif current is not None and current.startswith("Onboarding:"):
            await bot.send_message(chat_id, text)
            await ask_current_step(bot, chat_id, state, callback.from_user.first_name, session)
        else:
            await bot.send_message(chat_id, text)
            await begin(bot, chat_id, state, user, callback.from_user.first_name, session)


def _keeps_something(user: User) -> bool:
    return user.is_onboarded or user.consent_at is not None


async def show_privacy(message: Message, ctx: UpdateContext) -> None:
    if _keeps_something(_person(ctx)):
        await message.answer(privacy_notice(), reply_markup=keyboards.privacy_actions())
    else:
        await message.answer(privacy_notice() + "\n\n" + _("We keep nothing about you yet."))


async def ask_delete(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """The question goes to the person's private chat, wherever /privacy was pressed (not
    `wizard.pressed_then_ask`, which asks under the pressed message)."""
    await callback.answer()
    if not _keeps_something(_person(ctx)):
        await bot.send_message(callback.from_user.id, _("We keep nothing about you."))
        return
    await retire_buttons(callback)
    await state.set_state(PrivacyFlow.confirm_delete)
    await bot.send_message(
        callback.from_user.id, views.delete_question(), reply_markup=keyboards.confirm_delete()
    )


async def confirm_delete(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await callback.answer()
    await retire_buttons(callback, _("🗑 Yes, delete everything"))
    erasure = await users.delete_personal_data(ctx.session, _person(ctx), clock=ctx.clock)
    await state.clear()
    await forget_conversations(state.storage, callback.from_user.id, erasure.values.redact)
    await notify.data_deleted(ctx.notifier, erasure)
    await clear_chat_commands(bot, callback.from_user.id)
    await bot.send_message(
        callback.from_user.id, views.deleted_text(), reply_markup=keyboards.no_keyboard()
    )


async def keep_data(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    user = _person(ctx)
    await callback.answer()
    await retire_buttons(callback, _("↩️ No, keep my data"))
    await state.clear()
    text = _("Good, nothing was deleted.")
    if user.is_onboarded:
        await send_main_menu(bot, callback.from_user.id, user, text)
    else:
        await bot.send_message(callback.from_user.id, text)


async def expected_delete_answer(message: Message) -> None:
    await message.answer(
        _("Please tap one of the buttons below 👇"), reply_markup=keyboards.confirm_delete()
    )


async def show_details(message: Message, user: User, i18n: I18n, bot: Bot) -> None:
    """Also called by the check-in flow's menu (hence its own arguments, not `ctx`)."""
    if not user.is_onboarded:
        await message.answer(not_registered_text())
        return
    await send_main_menu(bot, message.chat.id, user, details_text(user, i18n.current_locale))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="common")
    router.message.register(show_help, Command("help"))
    router.message.register(show_help, button_text("❓ Help"))
    router.message.register(cancel, Command("cancel"))
    # "✖️ Stop", or "取消", "不要了", "算了", "cancel", "stop" typed at any step: as /cancel
    router.message.register(cancel, ~StateFilter(None), F.text.func(is_stop_word))
    router.message.register(ask_language, Command("language"))
    router.message.register(ask_language, button_text("🌐 Language"))
    router.callback_query.register(
        ask_language_from_button, LanguageChoice.filter(F.locale == "ask")
    )
    router.callback_query.register(chose_language, LanguageChoice.filter(F.locale.in_(LOCALES)))
    router.message.register(show_privacy, Command("privacy"))
    router.message.register(show_privacy, button_text("🔒 Privacy"))
    router.callback_query.register(
        ask_delete, PrivacyAction.filter(F.step == PrivacyStep.ASK_DELETE)
    )
    router.callback_query.register(
        confirm_delete,
        PrivacyFlow.confirm_delete,
        PrivacyAction.filter(F.step == PrivacyStep.CONFIRM_DELETE),
    )
    router.callback_query.register(
        keep_data, PrivacyFlow.confirm_delete, PrivacyAction.filter(F.step == PrivacyStep.KEEP)
    )
    router.message.register(expected_delete_answer, PrivacyFlow.confirm_delete)
    router.message.register(show_details, StateFilter(None), button_text("👤 My details"))
    return router
