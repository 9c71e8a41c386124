"""A household's case file, for the coordinators of its community (and of its street and
district): /household lists their households (or opens one: "/household A17"); a file shows its
people, needs, follow-ups and, in pages, what happened. Needs are set by buttons; who to call,
someone without a phone and the household's name are typed; "📄 As a spreadsheet" sends the
whole file as an XLSX. Every opening is audited
(bot.services.case_file); nobody else can open one, whatever button they forge."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from bot.callbacks import CaseFileAction
from bot.context import UpdateContext
from bot.services import case_file
from bot.services.errors import InvalidInput, NotAllowed
from bot.views import case_file as views
from bot.views import case_file_sheet as sheets
from handlers.audience import PRIVATE
from handlers.concerns.states import CaseFileInput
from handlers.replies import edit_pressed, stale_button_text
from handlers.wizard import answer_now, ask

Page = tuple[str, InlineKeyboardMarkup]
_TYPED = {
    "contact": CaseFileInput.contact,
    "member": CaseFileInput.member,
    "rename": CaseFileInput.label,
}


async def file_page(ctx: UpdateContext, household_id: int, page: int) -> Page:
    """One page of the file (the opening audited); `NotAllowed` for anyone else."""
    case = await case_file.open_case_file(
        ctx.session, ctx.settings, ctx.person, household_id, clock=ctx.clock, page=page
    )
    timezone = (await ctx.notifier.community(case.household.community_id)).timezone
    page = min(max(page, 0), case_file.pages(case.timeline) - 1)
    return views.file_text(case, page, timezone, ctx.clock.now()), views.file_keyboard(case, page)


async def send_case_file(bot: Bot, chat_id: int, ctx: UpdateContext, household_id: int) -> None:
    """The file's first page in the coordinator's private chat (from a concern's card)."""
    text, markup = await file_page(ctx, household_id, 0)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def show_households(message: Message, ctx: UpdateContext, command: CommandObject) -> None:
    try:
        households = await case_file.households_for(ctx.session, ctx.settings, ctx.person)
    except NotAllowed:
        await message.answer(views.for_coordinators_text())
        return
    code = (command.args or "").strip().upper()
    chosen = next((h for h in households if h.code == code), None)
    if chosen is not None:
        text, markup = await file_page(ctx, chosen.id, 0)
        await message.answer(text, reply_markup=markup)
        return
    if not households:
        await message.answer(views.no_households_text())
        return
    await message.answer(
        views.households_text(), reply_markup=views.households_keyboard(households, 0)
    )


def _page(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else None


async def file_action(
    callback: CallbackQuery, callback_data: CaseFileAction, state: FSMContext, ctx: UpdateContext
) -> None:
    action, household_id, value = (
        callback_data.action,
        callback_data.household_id,
        callback_data.value,
    )
    try:
        if action == "list" and (page := _page(value)) is not None:
            households = await case_file.households_for(ctx.session, ctx.settings, ctx.person)
            await callback.answer()
            await edit_pressed(
                callback, views.households_text(), views.households_keyboard(households, page)
            )
        elif action in ("open", "page") and (page := _page(value or "0")) is not None:
            text, markup = await file_page(ctx, household_id, page)
            await callback.answer()
            await edit_pressed(callback, text, markup)
        elif action == "needs":
            await _show_needs(callback, ctx, household_id)
        elif action == "set" and value.count(".") == 1:
            need, chosen = value.split(".")
            await case_file.set_need(
                ctx.session, ctx.settings, ctx.person, household_id, need, chosen, clock=ctx.clock
            )
            await _show_needs(callback, ctx, household_id)
        elif action == "xlsx" and isinstance(callback.message, Message):
            await _send_sheet(callback, ctx, household_id)
        elif action in _TYPED and isinstance(callback.message, Message):
            household = await case_file.household_for(
                ctx.session, ctx.settings, ctx.person, household_id
            )
            if callback.message.chat.id < 0:
                await callback.answer(stale_button_text(), show_alert=True)
                return
            await answer_now(callback)
            step = _TYPED[action]
            question = {
                "contact": views.contact_question(),
                "member": views.member_question(),
                "rename": views.rename_question(household),
            }[action]
            await state.set_state(step)
            await state.update_data(household_id=household_id)
            await ask(callback.message, state, None, question, stop=True)
        else:
            await callback.answer(stale_button_text(), show_alert=True)
    except NotAllowed:
        await callback.answer(views.for_coordinators_text(), show_alert=True)
    except InvalidInput:
        await callback.answer(stale_button_text(), show_alert=True)


async def _send_sheet(callback: CallbackQuery, ctx: UpdateContext, household_id: int) -> None:
    """The whole file as a spreadsheet, in the presser's private chat (the opening audited)."""
    case = await case_file.open_case_file(
        ctx.session, ctx.settings, ctx.person, household_id, clock=ctx.clock, page=-1
    )
    timezone = (await ctx.notifier.community(case.household.community_id)).timezone
    data = sheets.workbook(case, timezone, ctx.clock.now())
    await answer_now(callback)
    if callback.bot is not None:
        await callback.bot.send_document(
            callback.from_user.id,
            BufferedInputFile(data, filename=sheets.file_name(case)),
            caption=views.sheet_caption(case.household),
        )


async def _show_needs(callback: CallbackQuery, ctx: UpdateContext, household_id: int) -> None:
    case = await case_file.open_case_file(
        ctx.session, ctx.settings, ctx.person, household_id, clock=ctx.clock
    )
    await callback.answer()
    await edit_pressed(
        callback,
        views.needs_text(case.household, case.needs),
        views.needs_keyboard(case.household, case.needs),
    )


async def typed(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """Who to call, someone without a phone, or the household's name, as typed."""
    current = await state.get_state()
    household_id = int((await state.get_data()).get("household_id") or 0)
    session, settings, person, text = ctx.session, ctx.settings, ctx.person, message.text or ""
    try:
        if current == CaseFileInput.contact.state:
            await case_file.set_contact(session, settings, person, household_id, text,
                                        clock=ctx.clock)  # fmt: skip
            saved = views.contact_saved_text()
        elif current == CaseFileInput.member.state:
            await case_file.add_member(session, settings, person, household_id, text,
                                       clock=ctx.clock)  # fmt: skip
            saved = views.member_saved_text()
        else:
            await case_file.rename(session, settings, person, household_id, text,
                                   clock=ctx.clock)  # fmt: skip
            saved = views.renamed_text()
    except NotAllowed:
        await state.clear()
        await message.answer(views.for_coordinators_text())
        return
    except InvalidInput:
        await not_usable(message, state)
        return
    await state.clear()
    await message.answer(saved)
    text, markup = await file_page(ctx, household_id, 0)
    await message.answer(text, reply_markup=markup)


async def not_usable(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    if current == CaseFileInput.contact.state:
        await message.answer(views.contact_not_usable_text())
    elif current == CaseFileInput.member.state:
        await message.answer(views.member_not_usable_text())
    else:
        await message.answer(views.rename_not_usable_text())


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="concerns.case_file")
    router.message.register(show_households, PRIVATE, Command("household"))
    router.callback_query.register(file_action, CaseFileAction.filter())
    typing = StateFilter(*CaseFileInput.__all_states__)
    router.message.register(typed, typing, PRIVATE, F.text)
    router.message.register(not_usable, typing)
    return router
