"""Translations: aiogram's gettext I18n, fed from the .po catalogues compiled in memory by Babel
(so no compiled .mo file can go stale), and the choice of a person's language."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import LOCALES
from locales import DOMAIN, LOCALES_DIR

if TYPE_CHECKING:
    from storage.models import User

LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}
"""Each language named in itself, so a person can find theirs whatever the current one is."""

_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


class CatalogueI18n(I18n):
    """I18n that reads `locales/<locale>/LC_MESSAGES/messages.po` directly."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        """Registered as *the* I18n: aiogram's `gettext` helpers look up `I18n.get_current()`,
        and each subclass of its context mixin would otherwise get a context of its own."""
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for locale in LOCALES:
            po_path = self.path / locale / "LC_MESSAGES" / f"{self.domain}.po"
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            translations[locale] = gettext.GNUTranslations(buffer)
        return translations


def create_i18n(default_locale: str) -> CatalogueI18n:
    return CatalogueI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def locale_from_telegram(language_code: str | None) -> str | None:
    """Map Telegram's language_code (an IETF tag such as "zh-hans", "zh-TW", "en-US") to one of
    ours, or None when we do not speak it."""
    if not language_code:
        return None
    parts = language_code.replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] == "zh":
        rest = set(parts[1:])
        if "hant" in rest or rest & _TRADITIONAL_REGIONS:
            return "zh_Hant"
        return "zh_Hans"
    return None


def recipient_locale(user: User, default_locale: str) -> str:
    """The language a person reads: their choice, then their Telegram app's, then the default."""
    return user.locale or locale_from_telegram(user.telegram_language) or default_locale


@cache
def translations_of(msgid: str) -> frozenset[str]:
    """The text of `msgid` in every language: a reply-keyboard label typed back by Telegram must
    match whatever language the keyboard was drawn in."""
    i18n = I18n.get_current(no_error=True) or create_i18n("en")
    return frozenset(i18n.gettext(msgid, locale=locale) for locale in LOCALES)
