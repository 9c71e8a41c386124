"""The conversation states of small wishes: writing one, a coordinator typing for a wish's
card, and the household typing an answer or its thanks."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class WriteWish(StatesGroup):
    household = State()  # a coordinator: for which household
    new_household = State()  # a coordinator typing how they know a new household
    kind = State()
    words = State()
    value = State()
    address_as = State()
    age = State()
    confirm = State()


class WishInput(StatesGroup):
    """Typed words for one wish (per chat and person, also in a group)."""

    edit = State()  # a coordinator: the words as donors will read them
    question = State()  # a coordinator: a question for the household
    answer = State()  # the household: the answer to that question
    thanks = State()  # the household: thanks to the donor (words, voice, photo)


class CampaignFlow(StatesGroup):
    """A coordinator opening a campaign day."""

    title = State()
    day = State()
    confirm = State()
