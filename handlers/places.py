"""/places: coordinators keep the list of their community's buildings or areas. Tap "➕ Add a
place" and type a name; tap a place to rename, hide or show it again. Private chat only: the
name is typed, and a group would not pass it to the bot (privacy mode).

Places belong to one community. A street's or a district's coordinator, who looks after
several, is told so kindly and asked to leave the list to each community's coordinators: simpler
and more honest than a list that mixes communities, or a "which community?" step before every
place they touch."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PlaceAction
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import places
from bot.services.errors import (
    AreaEmpty,
    AreaTooLong,
    InvalidInput,
    NotAllowed,
    PlaceExists,
    PlaceNotFound,
)
from bot.views import places as place_views
from handlers.audience import PRIVATE, for_audience
from handlers.replies import button_text, edit_pressed, stale_button_text
from handlers.wizard import ask


class PlaceFlow(StatesGroup):
    name = State()  # a new place's name, or a new name for `place_id`


def _invalid_text(error: InvalidInput) -> str:
    match error:
        case PlaceExists():
            return _("There is already a place with that name. Please send another name.")
        case AreaTooLong(limit=limit):
            return _("That is a bit long. Please keep it to {limit} characters.").format(
                limit=limit
            )
        case AreaEmpty():
            return _("Please type the name in a message ✍️")
    return _("Sorry, I could not use that. Please try again.")


def _coordinators_only() -> str:
    return _("Only coordinators can change the list of places.")


async def _one_community(ctx: UpdateContext) -> int | None:
    """The community whose places this coordinator keeps: the only one they look after (None:
    they look after several, or none)."""
    scope = await ctx.scope()
    return next(iter(scope)) if len(scope) == 1 else None


async def _show_list(message: Message, ctx: UpdateContext) -> None:
    listed = await places.all_places(ctx.session, ctx.person, await ctx.scope())
    await message.answer(
        place_views.list_text(listed), reply_markup=place_views.list_keyboard(listed)
    )


async def show_places(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    if await _one_community(ctx) is None:
        await message.answer(place_views.several_communities_text())
        return
    await _show_list(message, ctx)


async def place_action(
    callback: CallbackQuery,
    callback_data: PlaceAction,
    state: FSMContext,
    ctx: UpdateContext,
) -> None:
    if not isinstance(callback.message, Message):
        await callback.answer(stale_button_text())
        return
    action, place_id = callback_data.action, callback_data.place_id
    session, user, scope = ctx.session, ctx.person, await ctx.scope()
    try:
        if action in ("add", "back") and await _one_community(ctx) is None:
            await callback.answer(place_views.several_communities_text(), show_alert=True)
            return
        if action == "add":
            await callback.answer()
            await state.update_data(place_id=None)
            await ask(callback.message, state, PlaceFlow.name, place_views.name_prompt(None))
            return
        if action == "back":
            await callback.answer()
            listed = await places.all_places(session, user, scope)
            await edit_pressed(
                callback, place_views.list_text(listed), place_views.list_keyboard(listed)
            )
            return
        if action == "rename":
            place = await places.place_for_coordinator(session, user, place_id, scope)
            await callback.answer()
            await state.update_data(place_id=place.id)
            await ask(callback.message, state, PlaceFlow.name, place_views.name_prompt(place))
            return
        if action in ("hide", "show"):
            shown = action == "show"
            place = await places.set_shown(session, user, place_id, shown, scope, clock=ctx.clock)
        elif action == "open":
            place = await places.place_for_coordinator(session, user, place_id, scope)
        else:
            raise PlaceNotFound(place_id)
    except (PlaceNotFound, NotAllowed):
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await edit_pressed(callback, place_views.place_text(place), place_views.place_keyboard(place))


async def typed_name(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    place_id = (await state.get_data()).get("place_id")
    name, session, user, clock = message.text or "", ctx.session, ctx.person, ctx.clock
    community_id = await _one_community(ctx)
    try:
        if place_id is None:
            if community_id is None:
                raise NotAllowed()
            place = await places.add_place(
                session, user, name, community_id=community_id, clock=clock
            )
            done = _("✅ Added: {name}")
        else:
            scope = await ctx.scope()
            place = await places.rename_place(session, user, place_id, name, scope, clock=clock)
            done = _("✅ Renamed: {name}")
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    except (PlaceNotFound, NotAllowed):
        await state.clear()
        await message.answer(stale_button_text())
        return
    await state.clear()
    await message.answer(done.format(name=place_views.quoted(place.name)))
    await _show_list(message, ctx)


async def name_please(message: Message) -> None:
    await message.answer(_invalid_text(AreaEmpty()))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="places"), Action.MANAGE_PLACES, _coordinators_only)
    router.message.register(show_places, PRIVATE, Command("places"))
    router.message.register(show_places, PRIVATE, button_text("🏘 Places"))
    router.callback_query.register(place_action, PlaceAction.filter())
    router.message.register(typed_name, PlaceFlow.name, PRIVATE, F.text)
    router.message.register(name_please, PlaceFlow.name, PRIVATE)
    return router
