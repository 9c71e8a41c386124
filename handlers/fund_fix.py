"""↩️ Correct this, under money received (the coordinator's own receipt) or a payout paid (the
coordinators' notice, in their group or privately): the coordinator types why, and the entry
is undone by a reversing entry (`bot.services.fund_corrections`), once however often it is
pressed. In a group the question is a force_reply for the presser alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundFix
from bot.context import UpdateContext
from bot.policy.notify import fund_campaigns as notify
from bot.policy.permissions import Action
from bot.services import fund, fund_corrections, ledger
from bot.services.errors import DomainError
from bot.views import fund as fund_views
from bot.views import fund_campaigns as views
from bot.views import keyboards
from handlers.audience import for_audience
from handlers.prompts import addressed_name, answers_prompt, ask_again, ask_to_type, in_group
from handlers.replies import stale_button_text, stop_hint


class FundFixFlow(StatesGroup):
    reason = State()  # why the entry is corrected (typed)


def _error_text(error: DomainError) -> str:
    if isinstance(error, ledger.AlreadyReversed | ledger.NotReversible):
        return views.corrected_already_text()
    if isinstance(error, fund.FundTooLow):
        return views.cannot_correct_text(error.balance, error.currency)
    if isinstance(error, ledger.TransferNotFound):
        return stale_button_text()
    return fund_views.fund_error_text(error)


async def pressed(
    callback: CallbackQuery, callback_data: FundFix, state: FSMContext, ctx: UpdateContext,
    bot: Bot,
) -> None:  # fmt: skip
    message = callback.message
    if callback_data.action != "ask" or not isinstance(message, Message):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        transfer = await fund_corrections.correctable(
            ctx.session, ctx.person, callback_data.transfer_id, ctx.settings
        )
    except DomainError as error:
        await callback.answer(_error_text(error)[:200], show_alert=True)
        return
    await state.set_state(FundFixFlow.reason)
    await state.update_data(
        transfer_id=transfer.id, fix_chat_id=message.chat.id, fix_message_id=message.message_id
    )
    await callback.answer()
    chat_id = message.chat.id
    with _language(ctx, chat_id):
        who = html.quote(callback.from_user.first_name)
        name = addressed_name(who, callback.from_user.id, chat_id)
        text = (name + ", " if in_group(chat_id) else "") + views.reason_question()
        placeholder = views.reason_placeholder()
    await ask_to_type(
        bot, chat_id, text, state, reply_to=message.message_id, placeholder=placeholder,
        stop=not in_group(chat_id),
    )  # fmt: skip


async def typed_reason(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    data = await state.get_data()
    if not answers_prompt(message, data):
        return
    try:
        reason = ledger.clean_reason(message.text or "")
    except ledger.ReasonRequired:
        with _language(ctx, message.chat.id):
            again = _("Please say why in at most 200 characters.") + " " + stop_hint()
        await ask_again(message, again, state)
        return
    await state.clear()
    try:
        done = await fund_corrections.correct(
            ctx.session, ctx.person, int(data.get("transfer_id") or 0), reason=reason,
            now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
    except DomainError as error:
        with _language(ctx, message.chat.id):
            text = _error_text(error)
        await message.answer(text, reply_markup=_menu(ctx, message))
        return
    if done.campaign is not None:
        await notify.refresh_progress(ctx.notifier, done.campaign)
    with _language(ctx, message.chat.id):
        text = views.corrected_text(done.amount, done.currency)
    await message.answer(text, reply_markup=_menu(ctx, message))
    with suppress(TelegramBadRequest):  # the ↩️ button is spent: take it off
        await bot.edit_message_reply_markup(
            chat_id=int(data["fix_chat_id"]), message_id=int(data["fix_message_id"]),
            reply_markup=None,
        )  # fmt: skip


def _menu(ctx: UpdateContext, message: Message) -> ReplyKeyboardMarkup | None:
    """The menu again in a private chat (the question had a "✖️ Stop"); nothing in a group."""
    if in_group(message.chat.id):
        return None
    return keyboards.main_menu(ctx.person.role if ctx.person else None)


@contextmanager
def _language(ctx: UpdateContext, chat_id: int) -> Iterator[None]:
    """A group reads its own language; a private chat the coordinator's."""
    locale = ctx.group_language() if in_group(chat_id) else ctx.i18n.current_locale
    with ctx.i18n.use_locale(locale):
        yield


async def type_it_please(message: Message, state: FSMContext) -> None:
    if answers_prompt(message, await state.get_data()):
        await ask_again(message, _("Please type your answer in a message ✍️"), state)


def _coordinators_only() -> str:
    return _("Only the community's coordinators keep the fund.")


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="fund_fix"), Action.KEEP_FUND, _coordinators_only)
    router.callback_query.register(pressed, FundFix.filter())
    router.message.register(typed_reason, FundFixFlow.reason, F.text)
    router.message.register(type_it_please, FundFixFlow.reason)
    return router
