"""The demo community, prepared through the same services the bot uses, so it is real data.

`seed_demo_community` runs on a demo database's first start. Work that adds help requests,
check-ins or wishes extends it here, so a new demo shows them from the first minute; a
programme (the campaign day, time given back, the fund, and those to come) has its own
function in `seed_programmes.py`.

Help requests of the neighbours are made the way people make them: submitted by the resident,
approved by the coordinator, claimed, started and completed by a volunteer, rated by the
resident (never a status written directly). `announce_seeded` then queues what the bot would
have said about the ones still waiting: the card of the pending request in the coordinators'
group, the post of the open one in the volunteers' group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, ManualClock
from bot.config import Settings, load_settings
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.demo.personas import (
    COORDINATOR,
    DISTRICT,
    DISTRICT_COORDINATOR,
    DONORS,
    EAST,
    EAST_COORDINATOR,
    EAST_PLACES,
    EAST_RESIDENTS,
    EAST_VOLUNTEERS,
    EXTRA_COORDINATORS,
    EXTRA_RESIDENTS,
    EXTRA_VOLUNTEERS,
    FIRST_COMMUNITY_NAME,
    PLACES,
    STREET,
    VOLUNTEER,
    DemoPerson,
)
from bot.demo.seed_programmes import Programmes, announce_programmes, seed_programmes
from bot.policy.notify.requests import request_submitted  # the card the bot itself sends
from bot.policy.notify.wishes import wish_posted
from bot.services import claims, places, review
from bot.services.communities import FIRST_COMMUNITY_ID, add_community, set_community
from bot.services.requests import RequestDraft, rate_request, submit_request
from bot.services.users import (
    TelegramProfile,
    complete_onboarding,
    record_consent,
    sync_user,
)
from bot.services.volunteers import register_volunteer
from bot.services.wishes import WishDraft, post_wish
from bot.services.wishes import approve as approve_wish
from bot.views.keyboards import main_menu
from bot.views.request_keyboards import claim_keyboard
from bot.views.texts import public_card
from storage.models import (
    CommunityLevel,
    DayPart,
    HelpRequest,
    RequestCategory,
    RequestTiming,
    User,
    UserRole,
    Wish,
    WishKind,
)
from storage.repositories import places as place_queries
from storage.repositories import users as user_queries

VOLUNTEER_SKILLS = ["shopping", "company", "paperwork", "medical"]
VOLUNTEER_LANGUAGES = ["mandarin", "cantonese", "english"]
MAX_OPEN_CLAIMS = 3

PENDING_REQUEST = RequestDraft(
    category=RequestCategory.PAPERWORK,
    description="社区通知要做养老金资格认证，手机上我不会弄，想请人教教我。",
    timing=RequestTiming.TOMORROW,
    day_part=DayPart.MORNING,
    address="2号楼 1单元 302",
    save_address=True,
)
"""张建国's: waits for a coordinator to check it."""
OPEN_REQUEST = RequestDraft(
    category=RequestCategory.SHOPPING,
    description="想请人帮忙买一袋大米（10斤）和一盒鸡蛋，我扛不动。",
    timing=RequestTiming.TOMORROW,
    day_part=DayPart.AFTERNOON,
    address="7号楼 3单元 501",
    access_notes="门铃坏了，请敲门",
    save_address=True,
)
"""刘桂兰's: approved, waiting for a volunteer."""
DONE_REQUEST = RequestDraft(
    category=RequestCategory.HOME_REPAIR,
    description="廚房的燈泡壞咗，我企唔穩凳，唔敢自己換。",
    timing=RequestTiming.ASAP,
    address="5号楼 1单元 101",
    save_address=True,
)
"""陳伯's, from yesterday: done by 赵磊 in 30 minutes and rated 5."""
WISHES = (
    WishDraft(kind=WishKind.ITEM, description="想要一件厚实的冬衣，家里暖气不太热。",
              address_as="张爷爷", age_band="70s", value_yuan=200),
    WishDraft(kind=WishKind.SERVICE, description="想请人每周教我一次用智能手机和孙子视频。",
              address_as="刘奶奶", age_band="80s"),
    WishDraft(kind=WishKind.ITEM, description="想要一个放大镜，看报纸用。",
              address_as="陈伯", age_band="80s", value_yuan=50),
)  # fmt: skip
"""Small wishes of 张建国 and 刘桂兰 (verified: donors may light them) and 陳伯 (waiting for
the coordinators' check)."""
DONE_REQUEST_AGO = timedelta(days=1, hours=3)
DONE_REQUEST_MINUTES = 30


@dataclass
class SeededCommunity:
    """Who was created, for extensions that add requests and the like."""

    coordinator: User
    volunteers: list[User] = field(default_factory=list)
    residents: list[User] = field(default_factory=list)
    pending: list[HelpRequest] = field(default_factory=list)
    """Waiting for a coordinator to check them."""
    wishes: list[Wish] = field(default_factory=list)
    """Small wishes: verified ones, and one waiting for the coordinators' check (last)."""
    open: list[HelpRequest] = field(default_factory=list)
    """Approved, waiting for a volunteer."""
    done: list[HelpRequest] = field(default_factory=list)
    """History: done and rated."""
    district_coordinator: User | None = None
    """Acts for the district: both communities."""
    east: list[User] = field(default_factory=list)
    """The people of 东湖社区, the second community: its coordinator, volunteers, residents."""
    programmes: Programmes = field(default_factory=Programmes)
    """The campaign day, the time given back, the fund (bot/demo/seed_programmes.py)."""


async def register_person(
    session: AsyncSession,
    person: DemoPerson,
    *,
    clock: Clock,
    timezone: str,
    community_id: int = FIRST_COMMUNITY_ID,
    settings: Settings | None = None,
) -> User:
    """Someone who has opened the bot, agreed to the notice and registered in a community (a
    coordinator: for a community, street or district), like on Telegram."""
    profile = TelegramProfile(person.telegram_id, None, person.language_code)
    user = await sync_user(session, profile, clock=clock, default_timezone=timezone)
    await record_consent(session, user, clock=clock)
    user.community_id = community_id
    return await complete_onboarding(
        session,
        user,
        role=person.role,
        display_name=person.name,
        phone=person.phone,
        place=await place_queries.named(session, person.place, (community_id,))
        if person.place
        else None,
        clock=clock,
        settings=settings,
    )


async def is_seeded(session: AsyncSession) -> bool:
    return await user_queries.get_by_telegram_id(session, COORDINATOR.telegram_id) is not None


async def seed_demo_community(
    session: AsyncSession,
    clock: Clock,
    *,
    timezone: str = "Asia/Shanghai",
    settings: Settings | None = None,
) -> SeededCommunity | None:
    """The district, its street and two communities; in the first, a coordinator, the places
    they defined, approved volunteers (one of them a phone on the page), a few residents and
    their requests (pending, open, done and rated); in the second, its own coordinator, places
    and people; a coordinator for the whole district; then the programmes (a campaign day of
    wishes, time given back, the fund). None when the database already has them. The caller
    commits, after `announce_seeded` if the bot should tell people."""
    if await is_seeded(session):
        return None
    settings = settings or load_settings(_env_file=None, default_timezone=timezone)
    district_id, east_id = await seed_tree(session, clock, settings)
    coordinator = await register_person(
        session, COORDINATOR, clock=clock, timezone=timezone, settings=settings
    )
    for name in PLACES:
        await places.add_place(session, coordinator, name, clock=clock)
    community = SeededCommunity(coordinator)
    for person in (VOLUNTEER, *EXTRA_VOLUNTEERS):
        volunteer = await register_person(session, person, clock=clock, timezone=timezone)
        await register_volunteer(
            session,
            volunteer,
            skills=VOLUNTEER_SKILLS,
            languages=VOLUNTEER_LANGUAGES,
            clock=clock,
            approved_by=coordinator,
        )
        community.volunteers.append(volunteer)
    for person in EXTRA_RESIDENTS:
        resident = await register_person(session, person, clock=clock, timezone=timezone)
        community.residents.append(resident)
    await seed_requests(session, community, clock)
    await seed_wishes(session, community, clock)
    await seed_east(session, community, (district_id, east_id), clock=clock, settings=settings)
    for person in (*EXTRA_COORDINATORS, *DONORS):  # the programmes' people
        community.programmes.people.append(
            await register_person(
                session, person, clock=clock, timezone=timezone, settings=settings
            )
        )
    await seed_programmes(session, community, clock=clock, settings=settings)
    return community


async def seed_tree(session: AsyncSession, clock: Clock, settings: Settings) -> tuple[int, int]:
    """和平区 > 安康街道 > 幸福里社区 (the first community, renamed) and 东湖社区; returns the
    ids of the district and of 东湖社区."""
    (district, district_slug), (street, street_slug) = DISTRICT, STREET
    top = await add_community(
        session, name=district, slug=district_slug, level=CommunityLevel.DISTRICT, clock=clock
    )
    await add_community(
        session,
        name=street,
        slug=street_slug,
        level=CommunityLevel.STREET,
        parent_slug=district_slug,
        clock=clock,
    )
    await set_community(
        session, settings, "main", name=FIRST_COMMUNITY_NAME, parent_slug=street_slug
    )
    east = await add_community(
        session, name=EAST[0], slug=EAST[1], parent_slug=street_slug, clock=clock
    )
    return top.id, east.id


async def seed_east(
    session: AsyncSession,
    community: SeededCommunity,
    ids: tuple[int, int],
    *,
    clock: Clock,
    settings: Settings,
) -> None:
    """东湖社区's coordinator, places and people, and the district's coordinator."""
    timezone = settings.default_timezone
    district, east_id = ids
    community.district_coordinator = await register_person(
        session,
        DISTRICT_COORDINATOR,
        clock=clock,
        timezone=timezone,
        community_id=district,
        settings=settings,
    )
    coordinator = await register_person(
        session,
        EAST_COORDINATOR,
        clock=clock,
        timezone=timezone,
        community_id=east_id,
        settings=settings,
    )
    community.east.append(coordinator)
    for name in EAST_PLACES:
        await places.add_place(session, coordinator, name, clock=clock)
    for person in EAST_VOLUNTEERS:
        volunteer = await register_person(
            session, person, clock=clock, timezone=timezone, community_id=east_id, settings=settings
        )
        await register_volunteer(
            session,
            volunteer,
            skills=VOLUNTEER_SKILLS,
            languages=VOLUNTEER_LANGUAGES[:2],
            clock=clock,
            approved_by=coordinator,
        )
        community.east.append(volunteer)
    for person in EAST_RESIDENTS:
        resident = await register_person(
            session,
            person,
            clock=clock,
            timezone=timezone,
            community_id=east_id,
            settings=settings,
        )
        community.east.append(resident)


async def seed_requests(session: AsyncSession, community: SeededCommunity, clock: Clock) -> None:
    """One request done and rated yesterday, one open, one waiting for review, all through
    the services, in the order people would have acted."""
    coordinator = community.coordinator
    jianguo, guilan, chen = community.residents[:3]
    helper = community.volunteers[-1]  # 赵磊, not a phone on the page

    then = ManualClock(clock.now() - DONE_REQUEST_AGO)  # yesterday, step by step
    done = await submit_request(session, chen, DONE_REQUEST, clock=then)
    then.advance(timedelta(minutes=20))
    await review.approve_request(session, coordinator, done.id, done.version, clock=then)
    then.advance(timedelta(minutes=35))
    await claims.claim_task(session, helper, done.id, clock=then, max_open_claims=MAX_OPEN_CLAIMS)
    then.advance(timedelta(minutes=10))
    await claims.start_task(session, helper, done.id, clock=then)
    then.advance(timedelta(minutes=DONE_REQUEST_MINUTES))
    await claims.complete_task(session, helper, done.id, DONE_REQUEST_MINUTES, clock=then)
    then.advance(timedelta(hours=1))
    community.done.append(await rate_request(session, chen, done.id, 5, clock=then))

    opened = await submit_request(session, guilan, OPEN_REQUEST, clock=clock)
    opened = await review.approve_request(
        session, coordinator, opened.id, opened.version, clock=clock
    )
    community.open.append(opened)
    community.pending.append(await submit_request(session, jianguo, PENDING_REQUEST, clock=clock))


async def seed_wishes(session: AsyncSession, community: SeededCommunity, clock: Clock) -> None:
    """Two small wishes verified, one waiting for the coordinators (its card is announced)."""
    for resident, draft in zip(community.residents[:3], WISHES, strict=True):
        wish, _ = await post_wish(session, resident, draft, clock=clock)
        if draft is not WISHES[-1]:
            wish = await approve_wish(
                session, community.coordinator, wish, wish.version, clock=clock
            )
        community.wishes.append(wish)


async def announce_seeded(notifier: Notifier, community: SeededCommunity) -> None:
    """Queue what the bot says about requests still waiting: the coordinators' card for each
    pending one (with its buttons), the volunteers' group post for each open one. The outbox
    sends them once the bot runs. The volunteer and the coordinator on the page, registered
    already, get their menu, as they would have after registering."""
    session = notifier.session
    for person in (community.volunteers[0], community.coordinator):

        def menu(role: UserRole | None = person.role) -> Rendered:
            return _("What would you like to do? Choose from the menu below 👇"), main_menu(role)

        await notifier.tell_user(person, menu, kind="demo.menu", priority=Priority.NOTICE)
    for request in community.pending:
        resident = await session.get(User, request.resident_id)
        if resident is not None:
            await request_submitted(notifier, request, resident, emergency=False)
    if community.wishes:
        await wish_posted(notifier, community.wishes[-1])
    for request in community.open:

        def render(request: HelpRequest = request) -> Rendered:
            return public_card(request), claim_keyboard(request)

        await notifier.tell_volunteers_group(
            render,
            community_id=request.community_id,
            kind="request.published",
            priority=Priority.NOTICE,
        )
    await announce_programmes(notifier, community)
