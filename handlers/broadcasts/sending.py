"""/broadcast, sending: the previewed draft goes now (with a progress message that can stop it)
or at a time the coordinator writes; a draft can be cancelled. Every button is checked by the
services against the presser's role and the broadcast's current status."""

from __future__ import annotations

from aiogram import Bot, F, Router, html
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import BroadcastStep
from bot.context import UpdateContext
from bot.services import broadcasts
from bot.services.broadcasts import BroadcastChanged, BroadcastNotFound
from bot.services.errors import InvalidInput, NotAllowed
from bot.views import broadcast_compose as views
from bot.views import broadcasts as broadcast_views
from handlers.broadcasts.compose import BroadcastFlow
from handlers.replies import retire_buttons, send_main_menu, stale_button_text
from handlers.wizard import pressed_then_ask


async def _refused(callback: CallbackQuery, error: Exception, changed_text: str) -> None:
    """A press the services refused: not a coordinator, or the notice is no longer there
    (`changed_text`, or the stale-button answer when empty)."""
    if isinstance(error, NotAllowed):
        await callback.answer(views.coordinators_only_text(), show_alert=True)
    elif changed_text:
        await callback.answer(changed_text, show_alert=True)
    else:
        await callback.answer(stale_button_text())


async def _this_draft(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> dict[str, object] | None:
    """The conversation's data, if the button is of the draft this conversation made."""
    data = await state.get_data()
    if data.get("broadcast_id") != callback_data.broadcast_id:
        await callback.answer(stale_button_text())
        return None
    return data


async def ask_send_now(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext, ctx: UpdateContext
) -> None:
    if (data := await _this_draft(callback, callback_data, state)) is None:
        return
    try:
        await broadcasts.broadcast_for(
            ctx.session, ctx.person, callback_data.broadcast_id, settings=ctx.settings
        )
    except (NotAllowed, BroadcastNotFound) as error:
        await _refused(callback, error, "")
        return
    question = views.send_now_question(int(data.get("count", 0)), callback_data.broadcast_id)
    await pressed_then_ask(callback, state, None, *question)


async def send_now(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        await broadcasts.send_now(
            ctx.session,
            ctx.person,
            callback_data.broadcast_id,
            broadcast_views.renderer(ctx.i18n),
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except (NotAllowed, BroadcastChanged, BroadcastNotFound) as error:
        await _refused(callback, error, views.already_done_text())
        return
    # In the transaction that starts the sending: the progress message is coming here, so the
    # monitor sends none of its own and waits for its id before the final report.
    await broadcasts.set_progress_message(
        ctx.session, callback_data.broadcast_id, callback.from_user.id, None
    )
    await callback.answer()
    await retire_buttons(callback, views.sending_note())
    await state.clear()
    broadcast = await broadcasts.broadcast_for(
        ctx.session, ctx.person, callback_data.broadcast_id, settings=ctx.settings
    )
    figures = await broadcasts.progress(ctx.session, broadcast.id)
    message = await bot.send_message(
        callback.from_user.id,
        broadcast_views.progress_text(broadcast, figures),
        reply_markup=broadcast_views.progress_keyboard(broadcast, sending=True),
    )
    await broadcasts.set_progress_message(
        ctx.session, broadcast.id, message.chat.id, message.message_id
    )


async def ask_schedule(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    if await _this_draft(callback, callback_data, state) is None:
        return
    await pressed_then_ask(callback, state, BroadcastFlow.schedule_time, views.schedule_question())


async def got_schedule_time(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    assert ctx.person is not None
    data = await state.get_data()
    try:
        send_at = broadcasts.parse_local_time(
            message.text, ctx.person.timezone, now=ctx.clock.now()
        )
        await broadcasts.schedule(
            ctx.session,
            ctx.person,
            data["broadcast_id"],
            send_at,
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    except (BroadcastChanged, BroadcastNotFound, NotAllowed):
        await state.clear()
        await message.answer(views.already_done_text())
        return
    await state.clear()
    await send_main_menu(
        message.bot,  # type: ignore[arg-type]
        message.chat.id,
        ctx.person,
        views.scheduled_text(html.quote(message.text or ""), data.get("count", 0)),
    )


async def cancel_draft(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    try:
        await broadcasts.cancel(
            ctx.session,
            ctx.person,
            callback_data.broadcast_id,
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except (NotAllowed, BroadcastChanged, BroadcastNotFound) as error:
        await _refused(callback, error, views.already_done_text())
        return
    await callback.answer()
    await retire_buttons(callback)
    await state.clear()
    assert ctx.person is not None
    await send_main_menu(bot, callback.from_user.id, ctx.person, views.not_sent_text())


async def stop_sending(
    callback: CallbackQuery, callback_data: BroadcastStep, ctx: UpdateContext
) -> None:
    try:
        withdrawn = await broadcasts.cancel(
            ctx.session,
            ctx.person,
            callback_data.broadcast_id,
            clock=ctx.clock,
            settings=ctx.settings,
        )
    except (NotAllowed, BroadcastChanged, BroadcastNotFound) as error:
        await _refused(callback, error, views.finished_text())
        return
    await callback.answer(views.stopped_answer(withdrawn), show_alert=True)
    await retire_buttons(callback, views.stopping_note())


def build_router() -> Router:
    router = Router(name="broadcast_sending")
    pick = BroadcastStep.filter
    router.callback_query.register(ask_send_now, BroadcastFlow.confirm, pick(F.action == "send"))
    router.callback_query.register(
        ask_schedule, BroadcastFlow.confirm, pick(F.action == "schedule")
    )
    router.callback_query.register(send_now, pick(F.action == "go"))
    router.callback_query.register(cancel_draft, pick(F.action == "cancel"))
    router.callback_query.register(stop_sending, pick(F.action == "stop"))
    router.message.register(got_schedule_time, BroadcastFlow.schedule_time)
    return router
