"""/start and registration: role, privacy consent, name, phone (optional), the place (a tap on
one of the buildings or areas the coordinators defined; skipped while there are none);
residents then give their exact address once (optional; otherwise asked at their first
request); volunteers say what help they offer and which languages they speak.

Every step is an FSM state kept in the database, so a person who stops half-way, or a bot that
restarts, picks up at the same step."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
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

from bot.callbacks import ConsentAnswer, PlaceChoice, RoleChoice, VolunteerOffer
from bot.clock import Clock
from bot.commands import set_chat_commands
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.services import invites, places, users, volunteers
from bot.services.errors import (
    DescriptionEmpty,
    InvalidInput,
    InviteBelowRole,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
    NameEmpty,
    NameTooLong,
    PhoneInvalid,
    PlaceNotFound,
    TextTooLong,
)
from bot.views import keyboards
from bot.views import places as place_views
from bot.views import volunteering as volunteer_views
from bot.views.request_keyboards import volunteer_decision_keyboard
from handlers.replies import button_text, retire_buttons, role_label, send_main_menu
from storage.models import Place, User, UserRole, VolunteerStatus

SELF_CHOSEN_ROLES = {UserRole.RESIDENT.value, UserRole.VOLUNTEER.value}


@dataclass(frozen=True)
class Steps:
    """What the later steps of registering need, taken from aiogram's handler context."""

    session: AsyncSession
    user: User
    clock: Clock
    bot: Bot
    i18n: I18n

    @classmethod
    def of(cls, context: dict[str, Any]) -> Steps:
        return cls(*(context[name] for name in ("session", "user", "clock", "bot", "i18n")))


class Onboarding(StatesGroup):
    role = State()
    consent = State()
    name = State()
    phone = State()
    area = State()  # the place: a tap on one of the coordinators' list
    address = State()  # residents only: the exact address, typed once
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
        case DescriptionEmpty():
            return _("Please type the address in words ✍️")
        case TextTooLong(limit=limit):
            return _("That is a bit long. Please keep it to {limit} characters.").format(
                limit=limit
            )
    return _("Sorry, I could not use that. Please try again.")


async def ask_current_step(
    bot: Bot, chat_id: int, state: FSMContext, first_name: str, session: AsyncSession
) -> None:
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
        volunteer = data.get("role") != UserRole.RESIDENT.value
        await bot.send_message(
            chat_id,
            place_views.choice_question(volunteer=volunteer),
            reply_markup=place_views.choice_keyboard(
                await places.offered(session), volunteer=volunteer
            ),
        )
    elif current == Onboarding.address.state:
        await bot.send_message(
            chat_id, place_views.address_question(), reply_markup=keyboards.skip_keyboard()
        )
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
    except InviteBelowRole:
        return _(
            "You are a coordinator already, and you stay one. This invitation is for someone "
            "else: please pass it on to them."
        )
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
        await ask_current_step(bot, message.chat.id, state, first_name, session)
    else:
        await begin(bot, message.chat.id, state, user, first_name, session)


async def start_in_group(message: Message) -> None:
    """Registering asks for a name, a phone and an address, and an invitation code in a group
    would be anybody's: never in a group, where everyone would read them (and where the bot, in
    privacy mode, would not even get the answers). An invitation stays unused for its owner."""
    await message.reply(
        _(
            "Please open a private chat with me and send this there: tap my name, then "
            "“Start”. Invitations work only there, so nobody else can use yours."
        )
    )


async def chose_role(
    callback: CallbackQuery,
    callback_data: RoleChoice,
    state: FSMContext,
    session: AsyncSession,
    bot: Bot,
) -> None:
    # The press is answered at once (Telegram waits only seconds for that); the buttons go only
    # once the choice is recorded, and committed before that edit (see bot.middlewares.commit).
    await callback.answer()
    await state.update_data(role=callback_data.role)
    await state.set_state(Onboarding.consent)
    chosen = keyboards.NEED_HELP if callback_data.role == "resident" else keyboards.VOLUNTEER
    await retire_buttons(callback, str(chosen))
    await ask_current_step(
        bot, callback.from_user.id, state, callback.from_user.first_name, session
    )


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
    await ask_current_step(
        bot, callback.from_user.id, state, callback.from_user.first_name, session
    )


async def got_name(message: Message, state: FSMContext, session: AsyncSession, bot: Bot) -> None:
    try:
        name = users.clean_name(message.text or "")
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error))
        return
    await state.update_data(name=name)
    await state.set_state(Onboarding.phone)
    await ask_current_step(bot, message.chat.id, state, "", session)


async def got_contact(message: Message, state: FSMContext, **context: Any) -> None:
    steps = Steps.of(context)
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(
            _("Please share your own number with the button “📱 Share my phone number”.")
        )
        return
    await _save_phone(message, state, steps, contact.phone_number)


async def skipped_phone(message: Message, state: FSMContext, **context: Any) -> None:
    steps = Steps.of(context)
    await state.update_data(phone=None)
    await _after_phone(message.chat.id, state, steps)


async def typed_phone(message: Message, state: FSMContext, **context: Any) -> None:
    steps = Steps.of(context)
    await _save_phone(message, state, steps, message.text or "")


async def _save_phone(message: Message, state: FSMContext, steps: Steps, raw: str) -> None:
    try:
        phone = users.normalise_phone(raw)
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error), reply_markup=keyboards.phone_request())
        return
    await state.update_data(phone=phone)
    await _after_phone(message.chat.id, state, steps)


async def _after_phone(chat_id: int, state: FSMContext, steps: Steps) -> None:
    """On to the place, or past it while the coordinators have defined none."""
    await state.update_data(place_id=None)
    if await places.offered(steps.session):
        await state.set_state(Onboarding.area)
        await ask_current_step(steps.bot, chat_id, state, "", steps.session)
        return
    await _after_place(chat_id, state, steps)


async def chose_place(
    callback: CallbackQuery, callback_data: PlaceChoice, state: FSMContext, **context: Any
) -> None:
    steps = Steps.of(context)
    place: Place | None = None
    if callback_data.place_id != place_views.NOT_SURE:
        try:
            place = await places.offered_place(steps.session, callback_data.place_id)
        except PlaceNotFound:
            await callback.answer(
                _("This button is no longer active. Please use the latest message.")
            )
            await ask_current_step(steps.bot, callback.from_user.id, state, "", steps.session)
            return
    await callback.answer()
    data: dict[str, Any] = await state.get_data()
    volunteer = data.get("role") != UserRole.RESIDENT.value
    await retire_buttons(callback, place_views.chosen_label(place, volunteer=volunteer))
    await state.update_data(place_id=place.id if place else None)
    await _after_place(callback.from_user.id, state, steps)


async def typed_place(message: Message, state: FSMContext, **context: Any) -> None:
    """The name of a place typed instead of tapped: taken if it is one of the list."""
    steps = Steps.of(context)
    place = await places.offered_named(steps.session, message.text or "")
    if place is None:
        await expected_a_button(message, state, steps.session, steps.bot)
        return
    await state.update_data(place_id=place.id)
    await _after_place(message.chat.id, state, steps)


async def _after_place(chat_id: int, state: FSMContext, steps: Steps) -> None:
    """Residents give their exact address; volunteers go on to what they offer."""
    data: dict[str, Any] = await state.get_data()
    role = data.get("role", UserRole.RESIDENT.value)
    if role == UserRole.RESIDENT.value:
        await state.set_state(Onboarding.address)
        await ask_current_step(steps.bot, chat_id, state, "", steps.session)
        return
    if role == UserRole.VOLUNTEER.value and steps.user.role is not UserRole.COORDINATOR:
        await state.update_data(skills=[], languages=[])
        await state.set_state(Onboarding.skills)
        await ask_current_step(steps.bot, chat_id, state, "", steps.session)
        return
    await _register(chat_id, state, steps, address=None)


async def got_address(message: Message, state: FSMContext, **context: Any) -> None:
    steps = Steps.of(context)
    try:
        address = users.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(_invalid_input_text(error), reply_markup=keyboards.skip_keyboard())
        return
    await _register(message.chat.id, state, steps, address=address)


async def skipped_address(message: Message, state: FSMContext, **context: Any) -> None:
    steps = Steps.of(context)
    await _register(message.chat.id, state, steps, address=None)


async def _register(chat_id: int, state: FSMContext, steps: Steps, *, address: str | None) -> None:
    """Save a resident (or a coordinator) and show the main menu."""
    data: dict[str, Any] = await state.get_data()
    user = steps.user
    await users.complete_onboarding(
        steps.session,
        user,
        role=UserRole(data.get("role", UserRole.RESIDENT.value)),
        display_name=data["name"],
        phone=data.get("phone"),
        place=await _chosen_place(steps.session, data),
        address=address,
        clock=steps.clock,
    )
    await state.clear()
    await set_chat_commands(steps.bot, steps.i18n, chat_id, steps.i18n.current_locale, user.role)
    await send_main_menu(steps.bot, chat_id, user, welcome_text(user))


async def _chosen_place(session: AsyncSession, data: dict[str, Any]) -> Place | None:
    """The place tapped earlier in the conversation, if it is still offered."""
    if not data.get("place_id"):
        return None
    try:
        return await places.offered_place(session, int(data["place_id"]))
    except PlaceNotFound:
        return None


async def toggled_offer(
    callback: CallbackQuery, callback_data: VolunteerOffer, state: FSMContext
) -> None:
    """A skill or a language tapped on or off; the same message shows the new marks."""
    key = "skills" if callback_data.kind == "skill" else "languages"
    expected = Onboarding.skills if key == "skills" else Onboarding.languages
    if await state.get_state() != expected.state or callback_data.value not in (
        volunteer_views.offer_values(callback_data.kind)
    ):
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
        await ask_current_step(bot, callback.from_user.id, state, "", session)
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
        place=await _chosen_place(session, data),
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


async def expected_a_button(
    message: Message, state: FSMContext, session: AsyncSession, bot: Bot
) -> None:
    """Free text, a sticker, a voice note... where a button was expected."""
    await message.answer(_("Please tap one of the buttons below 👇"))
    first_name = message.from_user.first_name if message.from_user else ""
    await ask_current_step(bot, message.chat.id, state, first_name, session)


async def expected_text(message: Message, state: FSMContext) -> None:
    """A sticker, photo or voice note where a typed answer was expected."""
    if await state.get_state() == Onboarding.name.state:
        await message.answer(_invalid_input_text(NameEmpty()))
    else:
        await message.answer(
            _invalid_input_text(DescriptionEmpty()), reply_markup=keyboards.skip_keyboard()
        )


async def expected_phone(message: Message) -> None:
    await message.answer(
        _invalid_input_text(PhoneInvalid()), reply_markup=keyboards.phone_request()
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="onboarding")
    router.message.register(start_in_group, CommandStart(), F.chat.type != "private")
    router.message.register(start, CommandStart())
    router.callback_query.register(
        chose_role, Onboarding.role, RoleChoice.filter(F.role.in_(SELF_CHOSEN_ROLES))
    )
    router.callback_query.register(answered_consent, Onboarding.consent, ConsentAnswer.filter())
    router.message.register(got_name, Onboarding.name, F.text)
    router.message.register(got_contact, Onboarding.phone, F.contact)
    router.message.register(skipped_phone, Onboarding.phone, button_text("⏭ Skip"))
    router.message.register(typed_phone, Onboarding.phone, F.text)
    router.callback_query.register(chose_place, Onboarding.area, PlaceChoice.filter())
    router.message.register(typed_place, Onboarding.area, F.text)
    router.message.register(skipped_address, Onboarding.address, button_text("⏭ Skip"))
    router.message.register(got_address, Onboarding.address, F.text)
    router.callback_query.register(
        finished_offer, VolunteerOffer.filter(F.kind == "done"), F.message.chat.type == "private"
    )
    router.callback_query.register(
        toggled_offer, VolunteerOffer.filter(F.kind.in_({"skill", "lang"}))
    )
    router.message.register(
        expected_a_button,
        StateFilter(
            Onboarding.role,
            Onboarding.consent,
            Onboarding.area,
            Onboarding.skills,
            Onboarding.languages,
        ),
    )
    router.message.register(expected_text, StateFilter(Onboarding.name, Onboarding.address))
    router.message.register(expected_phone, Onboarding.phone)
    return router
