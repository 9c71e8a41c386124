"""/start and registering: role, then the privacy consent, agreed to together with the name
she is called by (`start`); the community she lives in, asked only where several share the
bot and no link said it (`community`); phone, place, or a typed address while no place is defined
(`details`); a volunteer's offer (`volunteer`). A resident registers in four actions.
`ask_current_step` (re)asks the step a person is on, for /language, a restart or an error."""

from aiogram import F, Router
from aiogram.filters import CommandStart, StateFilter

from bot.callbacks import CommunityChoice, ConsentAnswer, PlaceChoice, RoleChoice, VolunteerOffer
from handlers.onboarding import community, details, start, volunteer
from handlers.onboarding.questions import ask_current_step, begin
from handlers.onboarding.states import Onboarding
from handlers.replies import button_text
from storage.models import UserRole

__all__ = ["Onboarding", "ask_current_step", "begin", "build_router"]

SELF_CHOSEN_ROLES = {UserRole.RESIDENT.value, UserRole.VOLUNTEER.value}


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="onboarding")
    router.message.register(start.start_in_group, CommandStart(), F.chat.type != "private")
    router.message.register(start.start, CommandStart())
    router.callback_query.register(
        start.chose_role, Onboarding.role, RoleChoice.filter(F.role.in_(SELF_CHOSEN_ROLES))
    )
    router.callback_query.register(
        start.answered_consent, Onboarding.consent, ConsentAnswer.filter()
    )
    router.callback_query.register(
        community.chose_community, Onboarding.community, CommunityChoice.filter()
    )
    router.message.register(community.typed_community, Onboarding.community, F.text)
    router.message.register(details.got_name, Onboarding.name, F.text)
    router.message.register(details.got_contact, Onboarding.phone, F.contact)
    router.message.register(details.skipped_phone, Onboarding.phone, button_text("⏭ Skip"))
    router.message.register(details.typed_phone, Onboarding.phone, F.text)
    router.callback_query.register(details.chose_place, Onboarding.area, PlaceChoice.filter())
    router.message.register(details.typed_place, Onboarding.area, F.text)
    router.message.register(details.skipped_address, Onboarding.address, button_text("⏭ Skip"))
    router.message.register(details.got_address, Onboarding.address, F.text)
    router.callback_query.register(
        volunteer.finished_offer,
        VolunteerOffer.filter(F.kind == "done"),
        F.message.chat.type == "private",
    )
    router.callback_query.register(
        volunteer.toggled_offer, VolunteerOffer.filter(F.kind.in_({"skill", "lang"}))
    )
    router.message.register(
        details.expected_a_button,
        StateFilter(
            Onboarding.role,
            Onboarding.consent,
            Onboarding.community,
            Onboarding.area,
            Onboarding.skills,
            Onboarding.languages,
        ),
    )
    router.message.register(details.expected_text, StateFilter(Onboarding.name, Onboarding.address))
    router.message.register(details.expected_phone, Onboarding.phone)
    return router
