"""Recipients answer an event with its buttons ("I'll come", "I can't come"), ask for its
calendar file, and coordinators see who is coming."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyParameters

from bot.callbacks import EventAnswer
from bot.context import UpdateContext
from bot.services import events
from bot.services.broadcasts import BroadcastNotFound, EventFull, EventOver, NotARecipient
from bot.services.errors import NotAllowed
from bot.views import broadcast_compose as compose_views
from bot.views import broadcasts as views
from handlers.replies import stale_button_text
from storage.models import RsvpAnswer


async def on_event(
    callback: CallbackQuery, callback_data: EventAnswer, ctx: UpdateContext, bot: Bot
) -> None:
    if callback_data.action == "ics":
        await _send_calendar(callback, callback_data, ctx, bot)
    elif callback_data.action == "who":
        await _who_is_coming(callback, callback_data, ctx, bot)
    elif callback_data.action in ("yes", "no"):
        await _answer(callback, callback_data, ctx)
    else:
        await callback.answer(stale_button_text())


async def _answer(callback: CallbackQuery, callback_data: EventAnswer, ctx: UpdateContext) -> None:
    answer = RsvpAnswer(callback_data.action)
    try:
        result = await events.rsvp(
            ctx.session,
            ctx.person,  # type: ignore[arg-type]
            callback_data.broadcast_id,
            answer,
            views.reminder_renderer(ctx.i18n, ctx.settings.default_locale),
            clock=ctx.clock,
        )
    except EventFull:
        await callback.answer(views.event_full_text(), show_alert=True)
        return
    except EventOver:
        await callback.answer(views.event_over_text(), show_alert=True)
        return
    except (BroadcastNotFound, NotARecipient):
        await callback.answer(stale_button_text())
        return
    if not result.changed:
        await callback.answer(views.answered_already_text())
    else:
        await callback.answer(views.rsvp_answer(answer), show_alert=True)


async def _send_calendar(
    callback: CallbackQuery, callback_data: EventAnswer, ctx: UpdateContext, bot: Bot
) -> None:
    try:
        event = await events.event_for_calendar(
            ctx.session,
            ctx.person,  # type: ignore[arg-type]
            callback_data.broadcast_id,
            settings=ctx.settings,
        )
    except BroadcastNotFound:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    reply_to = callback.message.message_id if isinstance(callback.message, Message) else None
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(
            events.event_ics(event, now=ctx.clock.now()), filename=f"event-{event.id}.ics"
        ),
        caption=views.calendar_caption(event),
        reply_parameters=ReplyParameters(message_id=reply_to) if reply_to else None,
    )


async def _who_is_coming(
    callback: CallbackQuery, callback_data: EventAnswer, ctx: UpdateContext, bot: Bot
) -> None:
    try:
        event, coming, counts = await events.attendees(
            ctx.session,
            ctx.person,  # type: ignore[arg-type]
            callback_data.broadcast_id,
            settings=ctx.settings,
        )
    except NotAllowed:
        await callback.answer(compose_views.coordinators_only_text(), show_alert=True)
        return
    except BroadcastNotFound:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await bot.send_message(callback.from_user.id, views.attendees_text(event, coming, counts))


def build_router() -> Router:
    router = Router(name="broadcast_events")
    router.callback_query.register(on_event, EventAnswer.filter())
    return router
