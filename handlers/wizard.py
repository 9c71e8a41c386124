"""The one way a wizard flow (/enrol, /pair, /broadcast, asking for help) moves on a step.

A step is: acknowledge what the person did (answer the press, retire the buttons they used,
showing what they chose), set the next state, ask the next question. Written once here so no
flow repeats it; a question without buttons is asked with `ask_to_type`, which in a group
makes the person's reply reach the bot (privacy mode)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

from bot.middlewares.commit import answered_callbacks
from handlers.prompts import ask_to_type
from handlers.replies import buttons_again, retire_buttons, tap_a_button_text

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
_ASKED = "_asked"  # in the conversation's data: the last question with buttons, and its buttons


async def ask(
    message: Message,
    state: FSMContext,
    step: State | None,
    text: str,
    markup: Markup = None,
    *,
    placeholder: str | None = None,
    stop: bool = False,
) -> Message:
    """Set the state to `step` (None: leave it) and ask `text` in the message's chat. A question
    without buttons may say in the input field what is asked (`placeholder`), in a private
    chat with a "✖️ Stop" button (`stop`)."""
    if step is not None:
        await state.set_state(step)
    if isinstance(markup, InlineKeyboardMarkup):  # kept, to be asked once more (`ask_once_more`)
        await remember_question(state, text, markup)
    if markup is None and message.bot is not None:
        return await ask_to_type(
            message.bot, message.chat.id, text, state, placeholder=placeholder, stop=stop
        )
    return await message.answer(text, reply_markup=markup)


async def remember_question(state: FSMContext, text: str, markup: InlineKeyboardMarkup) -> None:
    """The question `ask_once_more` asks again: set by `ask`, and by a step that redraws its
    buttons in place (a list of choices ticked one by one)."""
    await state.update_data({_ASKED: {"text": text, "markup": markup.model_dump(mode="json")}})


async def answer_now(callback: CallbackQuery) -> None:
    """Answer the press before the step's work (its writes wait their turn, and Telegram waits
    only seconds for the answer); `pressed_then_ask` then leaves it answered."""
    answered = answered_callbacks.get()
    if answered is not None and callback.id in answered:
        return
    await callback.answer()


async def pressed_then_ask(
    callback: CallbackQuery,
    state: FSMContext,
    step: State | None,
    text: str,
    markup: Markup = None,
    *,
    note: str | None = None,
    placeholder: str | None = None,
    stop: bool = False,
) -> Message | None:
    """A button moved the flow on: answer the press (unless `answer_now` did), retire the
    buttons (showing `note`), then `ask` the next question under the pressed message."""
    await answer_now(callback)
    await retire_buttons(callback, note)
    if not isinstance(callback.message, Message):
        return None
    return await ask(
        callback.message, state, step, text, markup, placeholder=placeholder, stop=stop
    )


async def ask_once_more(message: Message, state: FSMContext) -> None:
    """Something typed, a sticker, a voice note... where a button is awaited: never only "tap a
    button above", but the step's question again with its buttons, right under what she sent."""
    asked = (await state.get_data()).get(_ASKED)
    if not asked:
        await message.answer(tap_a_button_text())
        return
    markup = InlineKeyboardMarkup.model_validate(asked["markup"])
    await buttons_again(message, asked["text"], markup)
