"""/start and registration: role, privacy consent, name, phone (optional), building or area;
volunteers also say what help they offer and which languages they speak.

Every step is an FSM state kept in the database, so a person who stops half-way, or a bot that
restarts, picks up at the same step."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keyboards, volunteer_views
from bot.callbacks import ConsentAnswer, RoleChoice, VolunteerOffer
from bot.clock import Clock
from bot.commands import set_chat_commands
from bot.config import Settings
from bot.notices import Notifier
from bot.request_keyboards import volunteer_decision_keyboard
from bot.services import invites, users, volunteers
from bot.services.errors import (
    AreaEmpty,
    AreaTooLong,
    InvalidInput,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NameEmpty,
    NameTooLong,
    PhoneInvalid,
)
from bot.services.outbox import Priority
from handlers.replies import button_text, retire_buttons, role_label, send_main_menu
from storage.models import User, UserRole, VolunteerStatus

SELF_CHOSEN_ROLES = {UserRole.RESIDENT.value, UserRole.VOLUNTEER.value}


class Onboarding(StatesGroup):
    role = State()
    consent = State()
    name = State()
    phone = State()
    area = State()
    skills = State()  # volunteers only, from here on
    languages = State()


def privacy_notice() -> str:
    return _(
        "<b>🔒 Your privacy</b>\n"
        "• <b>What we keep:</b> your name, your building or area, your phone number if you "
        "share it, your language, and what you ask or offer here.\n"
        "• <b>Who sees it:</b> the community coordinators. A volunteer sees your address and "
        "phone only after taking on your request, and every such look is recorded.\n"
        "• <b>Deleting it:</b> send /privacy at any time and tap “Delete my data”."
    )


def _invalid_input_text(error: InvalidInput) -> str:
    match error:
        case NameEmpty():
            return _("Please write your name in a message ✍️")
        case NameTooLong(limit=limit):
            return _("That is a bit long. Please send a name of up to {limit} characters.").format(
                limit=limit
            )
        case PhoneInvalid():
            return _(
                "That does not look like a phone number. Tap “📱 Share my phone number”, "
                "type your number, or tap “⏭ Skip”."
            )
        case AreaEmpty():
            return _("Please write your building or area in a message ✍️")
        case AreaTooLong(limit=limit):
            return _("That is a bit long. Please keep it to {limit} characters.").format(
                limit=limit
            )
    return _("Sorry, I could not use that. Please try again.")


async def ask_current_step(bot: Bot, chat_id: int, state: FSMContext, first_name: str) -> None:
    """(Re)send the question of the step the person is on, with its buttons."""
    current = await state.get_state()
    data = await state.get_data()
    if current == Onboarding.role.state:
        await bot.send_message(
            chat_id,
            _(
                "👋 Hello! I am <b>linli</b> (邻里), a helper for neighbours.\n\n"
                "Do you need some help, or would you like to volunteer?"
            ),
            reply_markup=keyboards.role_choice(),
        )
    elif current == Onboarding.consent.state:
        await bot.send_message(
            chat_id,
            privacy_notice() + "\n\n" + _("Do you agree?"),
            reply_markup=keyboards.consent(),
        )
    elif current == Onboarding.name.state:
        await bot.send_message(
            chat_id,
            _("What is your name? Type it, or tap the button below."),
            reply_markup=keyboards.name_suggestion(first_name),
        )
    elif current == Onboarding.phone.state:
        await bot.send_message(
            chat_id,
            _(
                "Thank you, {name}. May we have your phone number, so that a coordinator can "
                "call you? It is optional."
            ).format(name=html.quote(data.get("name", ""))),
            reply_markup=keyboards.phone_request(),
        )
    elif current == Onboarding.area.state:
        text = (
            _("Which area can you help in? For example “Building 3” or “Maple Court”.")
            if data.get("role") == UserRole.VOLUNTEER.value
            else _("Which building or area do you live in? For example “Building 3, Unit 2”.")
        )
        await bot.send_message(chat_id, text, reply_markup=keyboards.no_keyboard())
    elif current == Onboarding.skills.state:
        await bot.send_message(
            chat_id,
            volunteer_views.skills_question(),
            reply_markup=volunteer_views.offer_keyboard("skill", data.get("skills", [])),
        )
    elif current == Onboarding.languages.state:
        await bot.send_message(
            chat_id,
            volunteer_views.languages_question(),
            reply_markup=volunteer_views.offer_keyboard("lang", data.get("languages", [])),
        )


async def begin(bot: Bot, chat_id: int, state: FSMContext, user: User, first_name: str) -> None:
    """Start registering; a role given by an invite skips the question of role."""
    await state.clear()
    if user.role is not None:
        await state.update_data(role=user.role.value)
        await state.set_state(Onboarding.consent)
    else:
        await state.set_state(Onboarding.role)
    await ask_current_step(bot, chat_id, state, first_name)


async def _redeem(session: AsyncSession, user: User, code: str, clock: Clock) -> str:
    """Use an invite from a deep link; the answer to show, whatever happened."""
    try:
        role = await invites.redeem_invite(session, user, code, clock=clock)
    except InviteExpired:
        return _("This invitation has expired. Please ask for a new one.")
    except InviteUsed:
        return _("This invitation has already been used. Please ask for a new one.")
    except InviteInvalid:
        return _("This invitation link is not valid. Please check it, or ask for a new one.")
    return _("✅ Invitation accepted: you are now a {role}.").format(role=role_label(role))


async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
) -> None:
    first_name = message.from_user.first_name if message.from_user else ""
    if command.args:
        await message.answer(await _redeem(session, user, command.args.strip(), clock))
    current = await state.get_state()
    if user.is_onboarded:
        await state.clear()
        await send_main_menu(
            bot,
            message.chat.id,
            user,
            _("Welcome back, {name}! How can I help?").format(name=html.quote(user.display_name)),
        )
    elif current is not None and current.startswith("Onboarding:") and not command.args:
        await message.answer(_("Welcome back! Let us carry on where we stopped."))
        await ask_current_step(bot, message.chat.id, state, first_name)
    else:
        await begin(bot, message.chat.id, state, user, first_name)


async def chose_role(
    callback: CallbackQuery, callback_data: RoleChoice, state: FSMContext, bot: Bot
) -> None:
    # The press is answered at once (Telegram waits only seconds for that); the buttons go only
    # once the choice is recorded, and committed before that edit (see bot.middlewares.commit).
    await callback.answer()
    await state.update_data(role=callback_data.role)
    await state.set_state(Onboarding.consent)
    chosen = keyboards.NEED_HELP if callback_data.role == "resident" else keyboards.VOLUNTEER
    await retire_buttons(callback, str(chosen))
    await ask_current_step(bot, callback.from_user.id, state, callback.from_user.first_name)


async def answered_consent(
    callback: CallbackQuery,
    callback_data: ConsentAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
) -> None:
    await callback.answer()
    if not callback_data.agree:
        await retire_buttons(callback, _("✖️ No, thank you"))
        await state.clear()
        await callback.message.answer(  # type: ignore[union-attr]
            _(
                "That is all right. Without your agreement we cannot keep your details, so we "
                "cannot register you. If you change your mind, just send /start."
            ),
            reply_markup=keyboards.no_keyboard(),
        )
        return
    await users.record_consent(session, user, clock=clock)
    await state.set_state(Onboarding.name)
    await retire_buttons(callback, _("✅ I agree"))  # committed first: a failure keeps them
    await ask_current_step(bot, callback.from_user.id, state, callback.from_user.first_name)


async def got_name(message: Message, state: FSMContext, bot: Bot) -> None:
    try:
        name = users.clean_name(message.text or "")
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error))
        return
    await state.update_data(name=name)
    await state.set_state(Onboarding.phone)
    await ask_current_step(bot, message.chat.id, state, "")


async def got_contact(message: Message, state: FSMContext, bot: Bot) -> None:
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(
            _("Please share your own number with the button “📱 Share my phone number”.")
        )
        return
    await _save_phone(message, state, bot, contact.phone_number)


async def skipped_phone(message: Message, state: FSMContext, bot: Bot) -> None:
    await state.update_data(phone=None)
    await state.set_state(Onboarding.area)
    await ask_current_step(bot, message.chat.id, state, "")


async def typed_phone(message: Message, state: FSMContext, bot: Bot) -> None:
    await _save_phone(message, state, bot, message.text or "")


async def _save_phone(message: Message, state: FSMContext, bot: Bot, raw: str) -> None:
    try:
        phone = users.normalise_phone(raw)
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error), reply_markup=keyboards.phone_request())
        return
    await state.update_data(phone=phone)
    await state.set_state(Onboarding.area)
    await ask_current_step(bot, message.chat.id, state, "")


async def got_area(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
) -> None:
    try:
        area = users.clean_area(message.text or "")
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error))
        return
    data: dict[str, Any] = await state.get_data()
    if data.get("role") == UserRole.VOLUNTEER.value and user.role is not UserRole.COORDINATOR:
        await state.update_data(area=area, skills=[], languages=[])
        await state.set_state(Onboarding.skills)
        await ask_current_step(bot, message.chat.id, state, "")
        return
    await users.complete_onboarding(
        session,
        user,
        role=UserRole(data.get("role", UserRole.RESIDENT.value)),
        display_name=data["name"],
        phone=data.get("phone"),
        area=area,
        clock=clock,
    )
    await state.clear()
    await set_chat_commands(bot, i18n, message.chat.id, i18n.current_locale, user.role)
    await send_main_menu(bot, message.chat.id, user, welcome_text(user))


async def toggled_offer(
    callback: CallbackQuery, callback_data: VolunteerOffer, state: FSMContext
) -> None:
    """A skill or a language tapped on or off; the same message shows the new marks."""
    key = "skills" if callback_data.kind == "skill" else "languages"
    expected = Onboarding.skills if key == "skills" else Onboarding.languages
    if await state.get_state() != expected.state:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
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
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """ "Done" under skills (on to languages) or languages (register, and wait or start)."""
    step = callback_data.value
    current = await state.get_state()
    expected = Onboarding.skills if step == "skill" else Onboarding.languages
    if current != expected.state:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    data: dict[str, Any] = await state.get_data()
    chosen: list[str] = data.get("skills" if step == "skill" else "languages", [])
    if not chosen:
        await callback.answer(_("Please tap at least one first 👆"), show_alert=True)
        return
    await callback.answer()
    labels = (
        volunteer_views.skill_label if step == "skill" else volunteer_views.spoken_language_label
    )
    await retire_buttons(callback, ", ".join(labels(value) for value in chosen))
    if step == "skill":
        await state.set_state(Onboarding.languages)
        await ask_current_step(bot, callback.from_user.id, state, "")
        return
    await _register_volunteer(
        callback.from_user.id, data, state, session, user, clock, bot, i18n, settings
    )


async def _register_volunteer(
    chat_id: int,
    data: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
    i18n: I18n,
    settings: Settings,
) -> None:
    """Save the volunteer. Someone a coordinator invited is approved already; anyone else waits,
    and the coordinators get the registration with approve/decline buttons."""
    await users.complete_onboarding(
        session,
        user,
        role=UserRole.VOLUNTEER,
        display_name=data["name"],
        phone=data.get("phone"),
        area=data["area"],
        clock=clock,
    )
    invited, inviter = await invites.redeemed_invite(session, user)
    skills, languages = data.get("skills", []), data.get("languages", [])
    profile = await volunteers.register_volunteer(
        session,
        user,
        skills=skills,
        languages=languages,
        clock=clock,
        approved_by=(inviter or user) if invited else None,
    )
    await state.clear()
    await set_chat_commands(bot, i18n, chat_id, i18n.current_locale, user.role)
    if profile.status is VolunteerStatus.APPROVED:
        await send_main_menu(bot, chat_id, user, welcome_text(user))
        return
    await send_main_menu(
        bot,
        chat_id,
        user,
        _(
            "Thank you for volunteering, {name}! 🙏 A coordinator will look at your "
            "registration soon, and I will send you a message as soon as they have. "
            "Until then you cannot see tasks yet."
        ).format(name=html.quote(user.display_name or "")),
    )
    notifier = Notifier(session, settings, clock, i18n)
    await notifier.tell_coordinators(
        lambda: (
            volunteer_views.registration_card(user, skills, languages),
            volunteer_decision_keyboard(user.id),
        ),
        kind="volunteer_registered",
        priority=Priority.NOTICE,
    )


def welcome_text(user: User) -> str:
    name = html.quote(user.display_name or "")
    if user.role == UserRole.COORDINATOR:
        return _("Welcome, {name}. You are registered as a coordinator.").format(name=name)
    if user.role == UserRole.VOLUNTEER:
        return _(
            "Thank you for volunteering, {name}! You are registered. Send /help to see what "
            "you can do."
        ).format(name=name)
    return _(
        "Thank you, {name}, you are registered. Send /help at any time to see what I can do."
    ).format(name=name)


async def expected_a_button(message: Message, state: FSMContext, bot: Bot) -> None:
    """Free text, a sticker, a voice note... where a button was expected."""
    await message.answer(_("Please tap one of the buttons below 👇"))
    first_name = message.from_user.first_name if message.from_user else ""
    await ask_current_step(bot, message.chat.id, state, first_name)


async def expected_text(message: Message, state: FSMContext) -> None:
    """A sticker, photo or voice note where a typed answer was expected."""
    if await state.get_state() == Onboarding.name.state:
        await message.answer(_invalid_input_text(NameEmpty()))
    else:
        await message.answer(_invalid_input_text(AreaEmpty()))


async def expected_phone(message: Message) -> None:
    await message.answer(
        _invalid_input_text(PhoneInvalid()), reply_markup=keyboards.phone_request()
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="onboarding")
    router.message.register(start, CommandStart())
    router.callback_query.register(
        chose_role, Onboarding.role, RoleChoice.filter(F.role.in_(SELF_CHOSEN_ROLES))
    )
    router.callback_query.register(answered_consent, Onboarding.consent, ConsentAnswer.filter())
    router.message.register(got_name, Onboarding.name, F.text)
    router.message.register(got_contact, Onboarding.phone, F.contact)
    router.message.register(skipped_phone, Onboarding.phone, button_text("⏭ Skip"))
    router.message.register(typed_phone, Onboarding.phone, F.text)
    router.message.register(got_area, Onboarding.area, F.text)
    router.callback_query.register(
        finished_offer, VolunteerOffer.filter(F.kind == "done"), F.message.chat.type == "private"
    )
    router.callback_query.register(
        toggled_offer, VolunteerOffer.filter(F.kind.in_({"skill", "lang"}))
    )
    router.message.register(
        expected_a_button,
        StateFilter(Onboarding.role, Onboarding.consent, Onboarding.skills, Onboarding.languages),
    )
    router.message.register(expected_text, StateFilter(Onboarding.name, Onboarding.area))
    router.message.register(expected_phone, Onboarding.phone)
    return router
