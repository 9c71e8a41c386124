"""💰 Mutual-aid fund, for coordinators: record money received (amount, donor or anonymous,
a photo of the receipt), ask for a payout to a household (which, how much, what for, a note),
approve or cancel a payout by the buttons of its card, read this month's public ledger, and
export the whole ledger as CSV.

The wizards run in a private chat (amounts and names are typed); a payout's card goes to the
community's coordinators (their group, or each privately) and its buttons work there too. The
service decides who may approve: never the one who asked, never one person twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundStep, PayoutAction
from bot.context import UpdateContext
from bot.policy.notify import fund as notify
from bot.policy.notify import fund_campaigns as notify_campaigns
from bot.policy.permissions import Action
from bot.services import fund, fund_campaigns, fund_reports, households
from bot.services.errors import DomainError
from bot.views import fund as views
from bot.views import fund_campaigns as campaign_views
from bot.views import keyboards
from handlers.audience import PRIVATE, for_audience
from handlers.replies import button_text, edit_pressed, send_main_menu, stale_button_text
from handlers.wizard import ask, ask_once_more, pressed_then_ask


class FundFlow(StatesGroup):
    amount_in = State()  # money received: how much
    campaign = State()  # ... towards which open campaign, or none (button)
    donor = State()  # ... from whom (typed) or anonymous (button)
    receipt = State()  # ... a photo of the receipt, or none (button)
    household = State()  # a payout: to which household (button)
    amount_out = State()  # ... how much
    category = State()  # ... what for (button)
    note = State()  # ... a note for the coordinators (typed) or none (button)


async def _community(ctx: UpdateContext) -> int | None:
    """The one community whose fund this coordinator keeps (None: several, or none)."""
    scope = await ctx.scope()
    return next(iter(scope)) if len(scope) == 1 else None


async def show_fund(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    community_id = await _community(ctx)
    if community_id is None:
        await message.answer(views.several_communities_text())
        return
    balance, currency = await fund.balance_for(
        ctx.session, ctx.person, community_id, now=ctx.clock.now(), settings=ctx.settings
    )
    await message.answer(views.menu_text(balance, currency), reply_markup=views.menu_keyboard())


def _month(ctx: UpdateContext, timezone: str) -> tuple[datetime, datetime, str]:
    local = ctx.clock.now().astimezone(ZoneInfo(timezone))
    start = datetime(local.year, local.month, 1, tzinfo=local.tzinfo)
    end = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=local.tzinfo)
    return start, end, f"{local.year}-{local.month:02d}"


async def _public(callback: CallbackQuery, ctx: UpdateContext, community_id: int) -> None:
    settings = await ctx.notifier.community(community_id)
    since, until, period = _month(ctx, settings.timezone)
    book = await fund_reports.public_ledger(ctx.session, community_id, since=since, until=until)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.answer(views.public_ledger_text(book, settings.name, period))


async def _export(callback: CallbackQuery, ctx: UpdateContext, bot: Bot, community_id: int) -> None:
    text = await fund_reports.export_csv(
        ctx.session, ctx.person, community_id, now=ctx.clock.now(), settings=ctx.settings
    )
    await callback.answer()
    day = ctx.clock.now().date().isoformat()
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(text.encode("utf-8-sig"), filename=f"ledger-{day}.csv"),
    )


async def fund_step(
    callback: CallbackQuery,
    callback_data: FundStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    """The menu's buttons and the wizards' buttons; each checked against the current step."""
    action, step = callback_data.action, await state.get_state()
    page = callback_data.value
    if not isinstance(callback.message, Message) or callback.message.chat.type != "private":
        await callback.answer(_("Please use this in your private chat with me."), show_alert=True)
        return
    community_id = await _community(ctx)
    if community_id is None:
        await callback.answer(views.several_communities_text(), show_alert=True)
        return
    try:
        if action == "in":
            await pressed_then_ask(
                callback, state, FundFlow.amount_in, views.amount_question(True), stop=True
            )
        elif action == "out":
            homes = await fund.households_for(ctx.session, ctx.person, community_id, ctx.settings)
            text, markup = views.household_question(homes)
            if markup is None:
                await callback.answer(text, show_alert=True)
                return
            await pressed_then_ask(callback, state, FundFlow.household, text, markup)
        elif action == "public":
            await _public(callback, ctx, community_id)
        elif action == "csv":
            await _export(callback, ctx, bot, community_id)
        elif action in ("camp", "nocamp") and step == FundFlow.campaign.state:
            found = await fund_campaigns.open_ones(
                ctx.session, ctx.person, community_id, ctx.settings
            )
            chosen = next((c for c in found if c.id == callback_data.value), None)
            if action == "camp" and chosen is None:  # closed since, or forged
                raise fund.PayoutNotFound()
            await state.update_data(campaign_id=chosen.id if action == "camp" and chosen else None)
            note = chosen.title if action == "camp" and chosen else None
            await pressed_then_ask(
                callback, state, FundFlow.donor, *views.donor_question(), note=note
            )
        elif action == "anon" and step == FundFlow.donor.state:
            await state.update_data(donor=None)
            await pressed_then_ask(callback, state, FundFlow.receipt, *views.receipt_question())
        elif action == "norcpt" and step == FundFlow.receipt.state:
            await callback.answer()
            await _record(callback.message, state, ctx, community_id, None)
        elif action == "hhpage" and step == FundFlow.household.state:
            homes = await fund.households_for(ctx.session, ctx.person, community_id, ctx.settings)
            await callback.answer()
            await edit_pressed(callback, None, views.household_question(homes, page)[1])
        elif action == "hh" and step == FundFlow.household.state:
            homes = await fund.households_for(ctx.session, ctx.person, community_id, ctx.settings)
            home = next((h for h in homes if h.id == callback_data.value), None)
            if home is None:  # not one of this community's homes: a forged or stale button
                raise fund.PayoutNotFound()
            await state.update_data(household_id=home.id)
            await pressed_then_ask(
                callback, state, FundFlow.amount_out, views.amount_question(False), stop=True,
                note=home.code,
            )  # fmt: skip
        elif action == "cat" and step == FundFlow.category.state:
            if callback_data.value >= len(fund.CATEGORIES):
                raise fund.CategoryInvalid()
            category = fund.CATEGORIES[callback_data.value]
            await state.update_data(category=category)
            await pressed_then_ask(
                callback, state, FundFlow.note, *views.note_question(),
                note=views.category_label(category),
            )  # fmt: skip
        elif action == "nonote" and step == FundFlow.note.state:
            await callback.answer()
            await _ask_payout(callback.message, state, ctx, None)
        else:
            await callback.answer(stale_button_text(), show_alert=True)
    except DomainError as error:
        await callback.answer(_error_text(error)[:200], show_alert=True)


async def _record(
    message: Message, state: FSMContext, ctx: UpdateContext, community_id: int | None,
    receipt: str | None,
) -> None:  # fmt: skip
    data = await state.get_data()
    amount = int(data.get("amount") or 0)
    donor = data.get("donor")
    campaign_id = data.get("campaign_id")
    await state.clear()
    if community_id is None:
        await message.answer(views.several_communities_text())
        return
    try:
        transfer, campaign = await fund_campaigns.record_gift(
            ctx.session, ctx.person, community_id=community_id,
            campaign_id=int(campaign_id) if campaign_id is not None else None, amount=amount,
            donor=donor, receipt_file_id=receipt, now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
    except fund_campaigns.CampaignClosed:
        await message.answer(campaign_views.closed_already_text(), reply_markup=_menu(ctx))
        return
    except DomainError as error:
        await message.answer(_error_text(error), reply_markup=_menu(ctx))
        return
    if campaign is not None:
        await notify_campaigns.refresh_progress(ctx.notifier, campaign)
    currency = (await ctx.notifier.community(community_id)).currency
    text = views.received_text(amount, donor, currency, campaign.title if campaign else None)
    await message.answer(text, reply_markup=campaign_views.fix_keyboard(transfer.id))
    if message.bot is not None and ctx.person is not None:  # the menu again, for "✖️ Stop"
        await send_main_menu(message.bot, message.chat.id, ctx.person)


async def _ask_payout(
    message: Message, state: FSMContext, ctx: UpdateContext, note: str | None
) -> None:
    data = await state.get_data()
    await state.clear()
    try:
        payout = await fund.request_payout(
            ctx.session, ctx.person, household_id=int(data.get("household_id") or 0),
            amount=int(data.get("amount") or 0), category=str(data.get("category", "")),
            note=note, now=ctx.clock.now(), settings=ctx.settings,
        )  # fmt: skip
    except DomainError as error:
        await message.answer(_error_text(error))
        return
    household = await households.household_named(ctx.session, payout.household_id)
    assert household is not None
    await notify.payout_asked(ctx.notifier, payout, household)
    await message.answer(views.asked_text(), reply_markup=_menu(ctx))


def _menu(ctx: UpdateContext) -> ReplyKeyboardMarkup:
    """The menu again, in place of the "✖️ Stop" of the typed steps."""
    return keyboards.main_menu(ctx.person.role if ctx.person else None)


async def typed_amount(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    amount = fund.parse_amount(message.text)
    if amount is None:
        await message.answer(views.type_amount_text())
        return
    await state.update_data(amount=amount)
    if await state.get_state() == FundFlow.amount_in.state:
        community_id = await _community(ctx)
        found = (
            await fund_campaigns.open_ones(ctx.session, ctx.person, community_id, ctx.settings)
            if community_id is not None
            else []
        )
        if found:
            question = campaign_views.campaign_question(found)
            await ask(message, state, FundFlow.campaign, *question)
        else:
            await ask(message, state, FundFlow.donor, *views.donor_question())
    else:
        await ask(message, state, FundFlow.category, *views.category_question(fund.CATEGORIES))


def _error_text(error: DomainError) -> str:
    stale = fund.PayoutNotFound | fund.CategoryInvalid | fund_campaigns.CampaignNotFound
    if isinstance(error, stale):
        return stale_button_text()
    return views.fund_error_text(error)


def _too_long(limit: int) -> str:
    return _("That is a bit long. Please keep it to {limit} characters.").format(limit=limit)


async def typed_donor(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    donor = (message.text or "").strip()
    if len(donor) > fund.DONOR_MAX:
        await message.answer(_too_long(fund.DONOR_MAX))
        return
    await state.update_data(donor=donor or None)
    await ask(message, state, FundFlow.receipt, *views.receipt_question())


async def receipt_photo(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    assert message.photo
    await _record(message, state, ctx, await _community(ctx), message.photo[-1].file_id)


async def typed_note(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    note = (message.text or "").strip()
    if len(note) > fund.NOTE_MAX:
        await message.answer(_too_long(fund.NOTE_MAX))
        return
    await _ask_payout(message, state, ctx, note or None)


async def words_please(message: Message) -> None:
    """A sticker, a photo... where words or an amount are awaited."""
    await message.answer(_("Please type your answer in a message ✍️"))


async def payout_action(
    callback: CallbackQuery, callback_data: PayoutAction, ctx: UpdateContext
) -> None:
    """✅ Approve / ✖️ Cancel on a payout's card, in the coordinators' group or privately."""
    now = ctx.clock.now()
    try:
        if callback_data.action == "approve":
            approval = await fund.approve_payout(
                ctx.session, ctx.person, callback_data.payout_id, now=now, settings=ctx.settings
            )
            payout = approval.payout
        elif callback_data.action == "cancel":
            payout = await fund.cancel_payout(
                ctx.session, ctx.person, callback_data.payout_id, now=now, settings=ctx.settings
            )
            approval = None
        else:
            raise fund.PayoutNotFound()
    except DomainError as error:
        await callback.answer(_error_text(error)[:200], show_alert=True)
        return
    household = await households.household_named(ctx.session, payout.household_id)
    assert household is not None
    if approval is not None and approval.paid:
        await notify.payout_paid(ctx.notifier, payout, household)
        await callback.answer(_("✅ Approved: recorded as paid. Thank you!"))
    elif approval is not None:
        await callback.answer(_("✅ Approved. One more coordinator's approval is needed."))
    else:
        await callback.answer(_("Cancelled."))
    locale = ctx.group_language() if _in_group(callback) else ctx.locale
    with ctx.i18n.use_locale(locale):  # a group's card stays in the group's language
        currency = (await ctx.notifier.community(payout.community_id)).currency
        card = views.payout_card(payout, household, currency), views.approval_keyboard(payout)
    await edit_pressed(callback, *card)


def _in_group(callback: CallbackQuery) -> bool:
    return isinstance(callback.message, Message) and callback.message.chat.type != "private"


def _coordinators_only() -> str:
    return _("Only the community's coordinators keep the fund.")


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="fund"), Action.KEEP_FUND, _coordinators_only)
    router.message.register(show_fund, PRIVATE, Command("fund"))
    router.message.register(show_fund, PRIVATE, button_text("💰 Mutual-aid fund"))
    router.callback_query.register(fund_step, FundStep.filter())
    router.callback_query.register(payout_action, PayoutAction.filter())
    amounts = (FundFlow.amount_in, FundFlow.amount_out)
    router.message.register(typed_amount, PRIVATE, F.text, StateFilter(*amounts))
    router.message.register(typed_donor, PRIVATE, F.text, FundFlow.donor)
    router.message.register(receipt_photo, PRIVATE, F.photo, FundFlow.receipt)
    router.message.register(typed_note, PRIVATE, F.text, FundFlow.note)
    buttons = StateFilter(
        FundFlow.campaign, FundFlow.receipt, FundFlow.household, FundFlow.category
    )
    router.message.register(ask_once_more, PRIVATE, buttons)
    words = StateFilter(*amounts, FundFlow.donor, FundFlow.note)
    router.message.register(words_please, PRIVATE, words)
    return router
