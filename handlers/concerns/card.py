"""The coordinators' card of a concern (in their group, or in each one's chat): link it to a
household or open one, merge it into another concern about the same home, assign a follow-up
(kind → owner → due day, each a row of buttons on the card itself), close it, or open the
household's case file (sent privately). /concerns lists the open ones, each bringing its card.
And "✅ Done" on a follow-up's reminder.

Every press is checked against the presser's communities and the concern's version: a card from
another community, a forged button or a stale one changes nothing, and a stale card is redrawn
as the concern is now."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ConcernAction, FollowUpAction
from bot.context import UpdateContext
from bot.policy.notify import concerns as notify
from bot.services import concerns
from bot.services.errors import (
    ConcernChanged,
    ConcernNotFound,
    FollowUpDone,
    FollowUpNotFound,
    NotAllowed,
)
from bot.views import concerns as views
from handlers.audience import PRIVATE
from handlers.concerns.case_file import file_page, send_case_file
from handlers.replies import edit_pressed, not_yours_text, retire_buttons, stale_button_text
from storage.models import Concern, ConcernStatus, FollowUpKind

_KINDS = {kind.value for kind in FollowUpKind}


def _in_group(callback: CallbackQuery) -> bool:
    return callback.message is not None and callback.message.chat.id < 0


async def redraw(callback: CallbackQuery, ctx: UpdateContext, concern: Concern) -> None:
    """The card as the concern is now, in the language of the chat it is in."""
    facts = await notify.card_facts(ctx.session, concern)
    timezone = (await ctx.notifier.community(concern.community_id)).timezone
    locale = ctx.group_language() if _in_group(callback) else ctx.i18n.current_locale
    with ctx.i18n.use_locale(locale):
        text = views.card_text(concern, facts, timezone)
        markup = views.card_keyboard(concern)
    await edit_pressed(callback, text, markup)


async def send_card(message: Message, ctx: UpdateContext, concern: Concern) -> None:
    """A fresh card of the concern in the chat the list was in (their private chat)."""
    facts = await notify.card_facts(ctx.session, concern)
    timezone = (await ctx.notifier.community(concern.community_id)).timezone
    text = views.card_text(concern, facts, timezone)
    await message.answer(text, reply_markup=views.card_keyboard(concern))


async def show_open_concerns(message: Message, ctx: UpdateContext) -> None:
    try:
        found, total = await concerns.open_concerns(ctx.session, ctx.settings, ctx.person)
    except NotAllowed:
        await message.answer(views.concerns_for_coordinators_text())
        return
    timezone = (await ctx.community()).timezone
    markup = views.open_concerns_keyboard(found, timezone) if found else None
    await message.answer(views.open_concerns_text(len(found), total), reply_markup=markup)


def _numbers(value: str, count: int) -> list[str] | None:
    parts = value.split(".")
    if len(parts) != count or not all(part.isascii() and part.isdigit() for part in parts[1:]):
        return None
    return parts


async def card_action(
    callback: CallbackQuery, callback_data: ConcernAction, ctx: UpdateContext, bot: Bot
) -> None:
    session, settings, person = ctx.session, ctx.settings, ctx.person
    try:
        concern = await concerns.for_coordinator(
            session, settings, person, callback_data.concern_id
        )
    except NotAllowed:
        await callback.answer(views.concerns_for_coordinators_text(), show_alert=True)
        return
    except ConcernNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert person is not None
    action, value = callback_data.action, callback_data.value
    if action == "card" and isinstance(callback.message, Message):  # from /concerns
        await callback.answer()
        await send_card(callback.message, ctx, concern)
        return
    if action == "file" and concern.household_id is not None:
        await send_case_file(bot, callback.from_user.id, ctx, concern.household_id)
        await callback.answer(views.file_sent_text())
        return
    if concern.version != callback_data.version or concern.status is not ConcernStatus.OPEN:
        await callback.answer(views.changed_text())
        await redraw(callback, ctx, concern)
        return
    try:
        await _act(callback, ctx, concern, action, value, callback_data.version)
    except ConcernChanged:
        await session.refresh(concern)
        await callback.answer(views.changed_text())
        await redraw(callback, ctx, concern)
    except NotAllowed:
        await callback.answer(stale_button_text(), show_alert=True)


async def _act(
    callback: CallbackQuery,
    ctx: UpdateContext,
    concern: Concern,
    action: str,
    value: str,
    version: int,
) -> None:
    session, settings, person, clock = ctx.session, ctx.settings, ctx.person, ctx.clock
    assert person is not None
    timezone = (await ctx.notifier.community(concern.community_id)).timezone
    if action == "back":
        await callback.answer()
        await redraw(callback, ctx, concern)
    elif action in ("link", "hpage"):
        households = await concerns.households_to_link(session, settings, person, concern)
        page = int(value) if action == "hpage" and value.isascii() and value.isdigit() else 0
        if not households:
            await callback.answer(views.no_households_text(), show_alert=True)
            return
        await callback.answer(views.pick_household_text())
        await edit_pressed(callback, None, views.households_keyboard(concern, households, page))
    elif action == "hh":
        if not (value.isascii() and value.isdigit()):
            raise NotAllowed()
        await concerns.link(session, settings, person, concern.id, version, int(value), clock=clock)
        await callback.answer()
        await redraw(callback, ctx, concern)
    elif action == "new":
        await concerns.open_household_for(
            session, settings, person, concern.id, version, clock=clock
        )
        await callback.answer()
        await redraw(callback, ctx, concern)
    elif action == "merge":
        others = await concerns.mergeable(session, settings, person, concern)
        if not others:
            await callback.answer(views.no_other_concerns_text(), show_alert=True)
            return
        await callback.answer(views.pick_merge_text())
        await edit_pressed(callback, None, views.merge_keyboard(concern, others, timezone))
    elif action == "into":
        if not (value.isascii() and value.isdigit()):
            raise NotAllowed()
        await concerns.merge(
            session, settings, person, concern.id, version, int(value), clock=clock
        )
        await callback.answer()
        await redraw(callback, ctx, concern)
    elif action == "fu" and concern.household_id is not None:
        await callback.answer(views.pick_kind_text())
        await edit_pressed(callback, None, views.kind_keyboard(concern))
    elif action == "fuk" and value in _KINDS and concern.household_id is not None:
        owners = await concerns.owners_for(session, settings, person, concern)
        await callback.answer(views.pick_owner_text())
        await edit_pressed(callback, None, views.owner_keyboard(concern, value, owners, person))
    elif action == "fuo" and (parts := _numbers(value, 2)) and parts[0] in _KINDS:
        await callback.answer(views.pick_due_text())
        markup = views.due_keyboard(concern, value, concerns.DUE_IN_DAYS)
        await edit_pressed(callback, None, markup)
    elif action == "fud" and (parts := _numbers(value, 3)) and parts[0] in _KINDS:
        follow_up = await concerns.assign_follow_up(
            session, settings, person, concern.id, version,
            kind=FollowUpKind(parts[0]), owner_id=int(parts[1]), days=int(parts[2]), clock=clock,
        )  # fmt: skip
        household = await concerns.household_of(session, follow_up)
        owner = await concerns.owner_of(session, follow_up)
        if owner is not None:
            await notify.follow_up_assigned(ctx.notifier, follow_up, household, owner, person)
        await callback.answer()
        await redraw(callback, ctx, concern)
    elif action == "close":
        _closed, told = await concerns.close(
            session, settings, person, concern.id, version, clock=clock
        )
        await notify.concern_closed(ctx.notifier, told)
        await callback.answer(_("✅ Closed."))
        await redraw(callback, ctx, concern)
    else:
        await callback.answer(stale_button_text(), show_alert=True)


async def follow_up_action(
    callback: CallbackQuery, callback_data: FollowUpAction, ctx: UpdateContext
) -> None:
    if callback_data.action not in ("done", "filedone"):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        follow_up = await concerns.follow_up_done(
            ctx.session, ctx.settings, ctx.person, callback_data.follow_up_id, clock=ctx.clock
        )
    except NotAllowed:
        await callback.answer(not_yours_text(), show_alert=True)
        return
    except FollowUpNotFound:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    except FollowUpDone:
        await callback.answer(views.follow_up_already_done_text())
        if callback_data.action == "done":
            await retire_buttons(callback)
        return
    timezone = (await ctx.notifier.community(follow_up.community_id)).timezone
    await callback.answer(views.follow_up_done_text())
    if callback_data.action == "filedone":  # in the case file: the file as it is now
        text, markup = await file_page(ctx, follow_up.household_id, 0)
        await edit_pressed(callback, text, markup)
    elif isinstance(callback.message, Message):
        locale = ctx.group_language() if _in_group(callback) else ctx.i18n.current_locale
        with ctx.i18n.use_locale(locale):
            note = views.follow_up_done_note(ctx.clock.now(), timezone)
        await retire_buttons(callback, note)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="concerns.card")
    router.message.register(show_open_concerns, PRIVATE, Command("concerns"))
    router.callback_query.register(card_action, ConcernAction.filter())
    router.callback_query.register(follow_up_action, FollowUpAction.filter())
    return router
