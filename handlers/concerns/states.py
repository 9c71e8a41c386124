"""The conversation states of concerns and case files, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class RaiseConcern(StatesGroup):
    what = State()  # words, a voice note or a photo
    place = State()  # only when the community has places
    building = State()  # typed, or skipped
    name = State()  # typed, or skipped
    hear = State()  # to hear that it was looked into?
    confirm = State()


class CaseFileInput(StatesGroup):
    """A coordinator typing for a household (private chat): who to call, someone who lives
    there without a phone, or its name."""

    contact = State()
    member = State()  # someone who lives there without using linli
    label = State()  # how the coordinators call the household


def is_raising(state_name: str | None) -> bool:
    """Whether a concern is being written (an emergency then takes its place)."""
    return state_name in {state.state for state in RaiseConcern.__all_states__}
