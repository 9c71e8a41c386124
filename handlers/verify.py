"""/verify CODE: a coordinator checks an hours certificate a volunteer shows them (who, which
community, how long, when). /verify alone asks for the code. A code of a community they do
not act for is "not found", like a code that does not exist."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import certificates
from bot.views import certificates as views
from handlers.audience import PRIVATE, for_audience
from handlers.wizard import ask


class VerifyFlow(StatesGroup):
    code = State()  # the code of the certificate to check


async def _check(message: Message, state: FSMContext, ctx: UpdateContext, text: str) -> None:
    try:
        found = await certificates.verify_certificate(
            ctx.session, ctx.settings, ctx.person, text, clock=ctx.clock
        )
    except certificates.CodeMalformed:
        await ask(message, state, VerifyFlow.code, views.code_malformed_text(), stop=True)
        return
    except certificates.CertificateNotFound:
        await state.clear()
        await message.answer(views.not_found_text())
        return
    await state.clear()
    await message.answer(views.verified_text(found))


async def verify_command(
    message: Message, command: CommandObject, state: FSMContext, ctx: UpdateContext
) -> None:
    await state.clear()
    if command.args:
        await _check(message, state, ctx, command.args)
        return
    await ask(message, state, VerifyFlow.code, views.code_question(), stop=True)


async def typed_code(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await _check(message, state, ctx, message.text or "")


async def words_please(message: Message) -> None:
    await message.answer(views.code_question())


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = for_audience(Router(name="verify"), Action.VERIFY_CERTIFICATE, views.coordinators_only)
    router.message.register(verify_command, PRIVATE, Command("verify"))
    router.message.register(typed_code, PRIVATE, F.text, VerifyFlow.code)
    router.message.register(words_please, PRIVATE, VerifyFlow.code)
    return router
