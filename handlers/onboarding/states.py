"""The steps of registering, each an FSM state kept in the database, so a person who stops
half-way, or a bot that restarts, picks up at the same step."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Onboarding(StatesGroup):
    role = State()
    consent = State()
    community = State()  # only with several communities and no join link or invitation
    name = State()  # only after "✍️ another name" (or no usable Telegram name)
    phone = State()
    area = State()  # the place: a tap on one of the coordinators' list
    address = State()  # residents only, while no place is defined: the address, typed
    skills = State()  # volunteers only, from here on
    languages = State()
