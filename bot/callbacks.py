"""Callback data of inline buttons (aiogram CallbackData: typed, prefixed, within 64 bytes).

Never trusted: handlers check each press against the presser and the current state."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class RoleChoice(CallbackData, prefix="role"):
    role: str


class ConsentAnswer(CallbackData, prefix="consent"):
    agree: bool


class LanguageChoice(CallbackData, prefix="lang"):
    locale: str


class PrivacyStep(StrEnum):
    ASK_DELETE = "ask"
    CONFIRM_DELETE = "yes"
    KEEP = "keep"


class PrivacyAction(CallbackData, prefix="priv"):
    step: PrivacyStep
