"""/numbers: a coordinator's figures of this week or month, as words and a chart, with the
spreadsheet (XLSX) or table (CSV) as a file, and the day and hour of the weekly numbers to
the coordinators' group. Private chat only: a street's coordinator reads the figures of every
community below them, which one community's group should not.

The figures are read first; the first request to Telegram (the chat action, or the answer to
the press) commits that read; the chart is drawn off the event loop; then it is sent."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.callbacks import NumbersStep
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import numbers
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.numbers import PeriodKind
from bot.views import numbers as views
from bot.views.render import charts, sheets
from handlers.audience import PRIVATE, for_audience
from handlers.replies import edit_pressed, not_yours_text, stale_button_text


async def _send_numbers(message: Message, ctx: UpdateContext, kind: PeriodKind) -> None:
    report = await numbers.report(ctx.session, ctx.settings, ctx.person, kind, ctx.clock)
    text, picture = views.summary_text(report), views.picture(report)
    keyboard = views.numbers_keyboard(kind)
    await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)  # type: ignore[union-attr]
    png = await asyncio.to_thread(charts.png, picture, ctx.locale)
    await message.answer_photo(
        BufferedInputFile(png, filename=views.file_name(report, "png")), caption=picture.title
    )
    await message.answer(text, reply_markup=keyboard)


async def show_numbers(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    try:
        await _send_numbers(message, ctx, PeriodKind.WEEK)
    except NotAllowed:
        await message.answer(views.coordinators_only())


async def _send_file(
    callback: CallbackQuery, message: Message, ctx: UpdateContext, kind: PeriodKind, fmt: str
) -> None:
    report = await numbers.report(ctx.session, ctx.settings, ctx.person, kind, ctx.clock)
    tables, heading = views.tables(report), views.export_heading(report)
    caption = views.file_caption(report)
    await callback.answer()
    if fmt == "xlsx":
        data = await asyncio.to_thread(sheets.xlsx, tables, heading=heading)
    else:
        data = await asyncio.to_thread(sheets.csv_bytes, tables)
    await message.answer_document(
        BufferedInputFile(data, filename=views.file_name(report, fmt)), caption=caption
    )


async def numbers_step(
    callback: CallbackQuery, callback_data: NumbersStep, state: FSMContext, ctx: UpdateContext
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(stale_button_text())
        return
    step = callback_data.step
    try:
        if step in ("period", "xlsx", "csv"):
            kind = PeriodKind(callback_data.period)
            if kind is PeriodKind.PAST_WEEK:
                raise ValueError(kind)
            if step == "period":
                await callback.answer()
                await _send_numbers(message, ctx, kind)
            else:
                await _send_file(callback, message, ctx, kind, step)
        elif step == "digest":
            setting = await numbers.digest_setting(ctx.session, ctx.person)
            await callback.answer()
            await message.answer(
                views.digest_text(setting), reply_markup=views.weekday_keyboard(setting)
            )
        elif step == "day" and callback_data.value <= 6:
            await numbers.digest_setting(ctx.session, ctx.person)  # a coordinator's button
            await callback.answer()
            await edit_pressed(
                callback,
                views.hour_text(callback_data.value),
                views.hour_keyboard(callback_data.value),
            )
        elif step == "hour" and callback_data.period.isdigit():
            setting = await numbers.set_digest(
                ctx.session,
                ctx.settings,
                ctx.person,
                weekday=int(callback_data.period),
                hour=callback_data.value,
                clock=ctx.clock,
            )
            await callback.answer()
            await edit_pressed(callback, views.digest_set_text(setting))
        elif step == "stop":
            await numbers.stop_digest(ctx.session, ctx.person)
            await callback.answer()
            await edit_pressed(callback, views.digest_stopped_text())
        else:
            await callback.answer(stale_button_text())
    except (ValueError, InvalidInput):
        await callback.answer(stale_button_text())
    except NotAllowed:
        await callback.answer(not_yours_text(), show_alert=True)


def build_router() -> Router:
    router = for_audience(Router(name="numbers"), Action.SEE_NUMBERS, views.coordinators_only)
    router.message.register(show_numbers, Command("numbers"), PRIVATE)
    router.callback_query.register(numbers_step, NumbersStep.filter())
    return router
