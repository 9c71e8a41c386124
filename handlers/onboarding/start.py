"""/start: a registered person gets the menu; anyone else registers (or carries on where they
stopped), after an invitation's role if the link had one; then the role and the consent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import ConsentAnswer, RoleChoice
from bot.context import UpdateContext
from bot.services import communities, invites, users
from bot.services.errors import (
    InvalidInput,
    InviteBelowRole,
    InviteExpired,
    InviteInvalid,
    InviteUsed,
)
from bot.views import keyboards
from bot.views import onboarding as views
from handlers.onboarding.questions import after_community, ask_current_step, begin, question
from handlers.onboarding.states import Onboarding
from handlers.replies import retire_buttons, role_label, send_main_menu
from handlers.wizard import answer_now, pressed_then_ask


async def _redeem(ctx: UpdateContext, code: str) -> str | None:
    """Use an invite from a deep link, or join the community of a join link (c-<slug>); the
    answer to show, whatever happened (None: a join link, nothing to say)."""
    assert ctx.person is not None
    joining = communities.joined_slug(code) is not None
    if joining and await users.join_by_link(
        ctx.session, ctx.settings, ctx.person, code, clock=ctx.clock
    ):
        return None
    try:
        role = await invites.redeem_invite(
            ctx.session, ctx.person, code, clock=ctx.clock, settings=ctx.settings
        )
    except InviteInvalid as error:
        return views.unknown_community_text() if joining else views.invite_refused_text(error)
    except (InviteExpired, InviteUsed, InviteBelowRole) as error:
        return views.invite_refused_text(error)
    return views.invite_accepted_text(role_label(role))


async def start(
    message: Message, command: CommandObject, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    user = ctx.person
    assert user is not None
    first_name = message.from_user.first_name if message.from_user else ""
    if command.args:
        said = await _redeem(ctx, command.args.strip())
        if said is not None:
            await message.answer(said)
    current = await state.get_state()
    if user.is_onboarded:
        await state.clear()
        await send_main_menu(bot, message.chat.id, user, views.welcome_back_text(user))
    elif current is not None and current.startswith("Onboarding:") and not command.args:
        await message.answer(views.carry_on_text())
        await ask_current_step(bot, message.chat.id, state, first_name, ctx.session)
    else:
        await begin(bot, message.chat.id, state, user, first_name, ctx.session)


async def start_in_group(message: Message) -> None:
    """Registering asks for a name, a phone and an address, and an invitation code in a group
    would be anybody's: never in a group, where everyone would read them (and where the bot, in
    privacy mode, would not even get the answers). An invitation stays unused for its owner."""
    await message.reply(views.private_chat_only_text())


async def _on_to(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, note: str) -> None:
    """The step was recorded (and is committed before the buttons go, see
    bot.middlewares.commit): answer, retire the buttons showing `note`, ask the next step."""
    asked = await question(state, callback.from_user.first_name, ctx.session)
    assert asked is not None
    await pressed_then_ask(callback, state, None, asked[0], asked[1], note=note)


async def chose_role(
    callback: CallbackQuery, callback_data: RoleChoice, state: FSMContext, ctx: UpdateContext
) -> None:
    await answer_now(callback)
    await state.update_data(role=callback_data.role)
    await state.set_state(Onboarding.consent)
    chosen = keyboards.NEED_HELP if callback_data.role == "resident" else keyboards.VOLUNTEER
    await _on_to(callback, state, ctx, str(chosen))


async def answered_consent(
    callback: CallbackQuery, callback_data: ConsentAnswer, state: FSMContext, ctx: UpdateContext
) -> None:
    if not callback_data.agree:
        await callback.answer()
        await retire_buttons(callback, views.no_consent_note())
        await state.clear()
        if isinstance(callback.message, Message):
            await callback.message.answer(
                views.no_consent_text(), reply_markup=keyboards.no_keyboard()
            )
        return
    assert ctx.person is not None
    await answer_now(callback)  # at once: the consent is then recorded, committed first
    await users.record_consent(ctx.session, ctx.person, clock=ctx.clock)
    name = _telegram_name(callback) if callback_data.own_name else None
    if name is not None:
        await state.update_data(name=name)
    if await users.needs_community(ctx.session, ctx.person):  # the first question after this
        await state.set_state(Onboarding.community)
    else:
        await state.set_state(after_community(await state.get_data()))
    note = views.consent_with_name_note(name) if name else views.consent_note()
    await _on_to(callback, state, ctx, note)


def _telegram_name(callback: CallbackQuery) -> str | None:
    """The first name Telegram gives for the presser, if it is usable as a name here."""
    try:
        return users.clean_name(callback.from_user.first_name or "")
    except InvalidInput:
        return None
