"""The words of /poster: the poster's own (written in Chinese whatever the coordinator reads:
it hangs in a Chinese lobby, in the script of their language), and the buttons to choose a
community or one of its buildings."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PosterChoice
from bot.services.poster import PosterFacts
from bot.views.keyboards import one_per_row
from bot.views.render.poster import PosterWords
from storage.models import Community


def poster_locale(reader_locale: str) -> str:
    """The poster is in Chinese: Traditional for a reader of Traditional, else Simplified."""
    return "zh_Hant" if reader_locale == "zh_Hant" else "zh_Hans"


def poster_words(facts: PosterFacts, link: str) -> PosterWords:
    """In the poster's locale (see `poster_locale`)."""
    lines = [_("Need a hand? Neighbours help. Can help? Join us.")]
    if facts.phone:
        lines.append(_("Community phone: {phone}").format(phone=facts.phone))
    return PosterWords(
        community=facts.name,
        headline=_("Scan to join neighbourhood mutual aid"),
        place=facts.place.name if facts.place else "",
        lines=tuple(lines),
        link=link,
    )


def poster_caption(facts: PosterFacts) -> str:
    where = facts.place.name if facts.place else facts.name
    return _("🖨 The poster for {where}: print it on A4 for the notice board.").format(where=where)


def places_text(facts: PosterFacts) -> str:
    return _("A poster for one building? Tap it.") if facts.places else ""


def places_keyboard(facts: PosterFacts) -> InlineKeyboardMarkup | None:
    if not facts.places:
        return None
    return one_per_row(
        InlineKeyboardButton(
            text=_("🏢 {place}").format(place=place.name),
            callback_data=PosterChoice(community_id=facts.community_id, place_id=place.id).pack(),
        )
        for place in facts.places
    )


def which_community_text() -> str:
    return _("Which community is the poster for?")


def communities_keyboard(rows: list[Community]) -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(text=row.name, callback_data=PosterChoice(community_id=row.id).pack())
        for row in rows
    )


def no_join_link_text() -> str:
    return _("Sorry, I could not make the join link just now. Please try again in a minute.")


def coordinators_only() -> str:
    return _("Posters are made by coordinators. Ask yours for one for your building! 🌷")


def file_name(facts: PosterFacts, extension: str) -> str:
    suffix = f"-{facts.place.id}" if facts.place else ""
    return f"linli-poster-{facts.slug}{suffix}.{extension}"
