"""The conversation states of help requests, in one place: the asking wizard, the resident's
typed comment or answer, a coordinator typing for a request, a volunteer typing minutes."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class AskHelp(StatesGroup):
    category = State()  # after "🙋 I need help": a kind tapped, or a sentence typed
    guess = State()  # the kind guessed from her sentence, to confirm with one tap
    description = State()
    when = State()
    day = State()
    place = State()  # only for someone who has no place yet
    address = State()  # only when neither place nor address is known, or she changes it
    save_address = State()
    confirm = State()


class AfterRequest(StatesGroup):
    comment = State()
    answer = State()


class ReviewInput(StatesGroup):
    """A coordinator typing something for a request (per chat and person, also in a group)."""

    question = State()
    reason = State()
    duplicate = State()


class VolunteerFlow(StatesGroup):
    minutes = State()  # typing the minutes a finished task took


def is_asking(state_name: str | None) -> bool:
    """Whether a request is being written (an emergency then takes its place)."""
    return state_name in {state.state for state in AskHelp.__all_states__}
