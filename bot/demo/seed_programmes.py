"""The demo's programmes beyond requests: a campaign day of small wishes, a household giving
time back, and the mutual-aid fund. One function per programme, each through the services the
bot uses (never a row written directly), called by `seed_demo_community` once the people exist;
`announce_programmes` then queues what the bot itself would have said (the live counters, the
payout waiting for its second approval, last month's public ledger).

Also: the page's volunteer's hours this month (so "📜 Certificate" in his hours gives a
certificate a coordinator can /verify), a fund campaign with a goal and its progress message in
both groups, and the storehouse's rice and oil with a monthly pledge. A new programme adds a
`seed_<programme>` here, called from `seed_programmes`, and its posts in `announce_programmes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, ManualClock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.demo.personas import EAST_PLACES, EXTRA_COORDINATORS, PLACES
from bot.policy.notify import fund as notify_fund
from bot.policy.notify import fund_campaigns as notify_fund_campaigns
from bot.policy.notify import wish_campaigns as notify_campaigns
from bot.scheduling.jobs import post_fund_ledgers
from bot.services import (
    fund,
    fund_campaigns,
    households,
    ledger,
    storehouse,
    time_bank,
    wish_campaigns,
    wishes,
)
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.fund_posts import last_month
from bot.services.slots import local_today
from bot.services.wishes import WishDraft
from storage.models import (
    FundCampaign,
    FundPayout,
    Household,
    User,
    Wish,
    WishCampaign,
    WishKind,
)
from storage.repositories import places as place_queries

if TYPE_CHECKING:
    from bot.demo.seed import SeededCommunity

CAMPAIGN_TITLE = "和平区点亮心愿日"

ITEM, SERVICE = WishKind.ITEM, WishKind.SERVICE
B12, B35, B68 = PLACES[:3]
E14, E59 = EAST_PLACES
LIT = True  # lit by a neighbour before the page opened


@dataclass(frozen=True)
class CampaignWish:
    """A household (its label is for the coordinators only) and its verified wish."""

    place: str
    label: str
    draft: WishDraft
    lit: bool = False  # lit by a neighbour before the page opened


def _wish(
    place: str, label: str, address_as: str, age: str, kind: WishKind, words: str,
    value: int | None = None, lit: bool = False,
) -> CampaignWish:  # fmt: skip
    assert not isinstance(value, bool), "the value (yuan) comes before `lit`"
    draft = WishDraft(
        kind=kind, description=words, address_as=address_as, age_band=age, value_yuan=value
    )
    return CampaignWish(place, label, draft, lit)


FIRST_WISHES = (
    _wish(B12, "周桂珍家", "周奶奶", "80s", ITEM, "想要一件厚实的冬衣，深色、好洗的。", 200, LIT),
    _wish(B68, "王小宇家", "小宇", "child", ITEM, "想要一个新书包，旧的拉链坏了。", 80, LIT),
    _wish(B35, "李小雨家", "小雨", "teen", SERVICE, "想要一个月的数学辅导，我读初二。", None, LIT),
    _wish(B12, "马国栋家", "马爷爷", "80s", ITEM, "想要一台收音机，听戏曲和新闻。", 100),
    _wish(B68, "孙玉兰家", "孙奶奶", "70s", ITEM, "想要助听器电池，够用半年的。", 60, LIT),
    _wish(B35, "吴德明家", "吴爷爷", "90s", ITEM, "想要一条电热毯，晚上脚冷。", 120),
    _wish(B12, "郭秀英家", "郭奶奶", "70s", SERVICE, "想请人陪我去医院复查，网上挂号我不会弄。"),
    _wish(B68, "赵小婷家", "小婷", "child", ITEM, "想要一套彩色画笔和画本，我喜欢画画。", 50, LIT),
    _wish(B35, "杨志刚家", "杨爷爷", "70s", ITEM, "想要一副老花镜，看药盒上的小字。", 40),
    _wish(B12, "何淑珍家", "何奶奶", "80s", SERVICE, "想请人帮忙把阳台上的旧花盆搬下楼。"),
    _wish(B68, "陈小杰家", "小杰", "teen", ITEM, "想要一本新华字典和一本英汉词典。", 60),
    _wish(B35, "徐美华家", "徐奶奶", "60s", ITEM, "想要一双防滑棉鞋，38码。", 90, LIT),
    _wish(B12, "林建华家", "林爷爷", "80s", SERVICE, "想请人每周陪我下一次象棋。"),
    _wish(B68, "罗桂英家", "罗奶奶", "90s", ITEM, "想要一个带靠背的洗澡凳。", 80),
    _wish(B35, "黄小月家", "小月", "child", ITEM, "想要一件红色的羽绒服，130码。", 150),
    _wish(B12, "韩福生家", "韩爷爷", "70s", ITEM, "想要一个保温杯，出门喝热水。", 40),
    _wish(B68, "唐素芬家", "唐奶奶", "80s", SERVICE, "想请人教我用微信付款和充话费。", None, LIT),
    _wish(B35, "冯长林家", "冯爷爷", "60s", ITEM, "想要一个暖手宝。", 40),
    _wish(B12, "曹小浩家", "小浩", "teen", SERVICE, "想找一位会弹吉他的哥哥姐姐教我几次。"),
    _wish(B68, "邓文华家", "邓爷爷", "80s", ITEM, "想要一本大字版的挂历。", 20),
    _wish(B35, "许凤英家", "许奶奶", "70s", ITEM, "想要一盆好养的绿萝，屋里添点生气。", 30),
)  # fmt: skip
EAST_WISHES = (
    _wish(E14, "梁月娥家", "梁奶奶", "80s", ITEM, "想要一件毛背心。", 100, LIT),
    _wish(E59, "宋小琪家", "小琪", "child", ITEM, "想要一个书包和一个文具盒。", 90),
    _wish(E14, "宋德胜家", "宋爷爷", "70s", SERVICE, "想请人帮忙修一下门口的信箱。", None, LIT),
    _wish(E59, "谢桂香家", "谢奶奶", "90s", ITEM, "想要助听器电池。", 60),
    _wish(E14, "潘小龙家", "小龙", "teen", SERVICE, "想要一个月的英语辅导，准备中考。"),
    _wish(E59, "董大山家", "董爷爷", "80s", ITEM, "想要一台收音机。", 100),
    _wish(E14, "潘淑贞家", "潘奶奶", "70s", ITEM, "想要一条围巾和一顶帽子。", 60),
    _wish(E59, "袁志明家", "袁爷爷", "60s", ITEM, "想要一个电子血压计。", 150),
)  # fmt: skip
"""The campaign's wishes, posted for households without a phone by their community's
coordinator and verified; with the two verified wishes of `seed_wishes` they make the day."""

TIME_GIVEN_MINUTES = 90
"""陳伯's household (helped yesterday) gave an hour and a half back today: 陳伯 taught the children
of the activity centre Cantonese nursery rhymes. His grandson, the volunteer on the page,
lives with him and reads it in his "⏱ My hours"."""

RECEIVED = ((3000_00, "幸福里业主委员会"), (1200_00, None))  # fen, donor (None: anonymous)
PAID = ("吴德明家", 300_00, "medical", "住院押金的一部分")
WAITING = ("李小雨家", 500_00, "education", "小雨下学期的课本和校服")
VOLUNTEER_HOURS = ((12, 60), (8, 90), (3, 45))  # days ago, minutes: 3 h 15 min in all
FUND_CAMPAIGN = ("冬衣暖心行动", 5000_00, ((1200_00, "幸福里业主委员会"), (2000_00, None)))
# name, unit, food, low mark, received, expires in days (None: not food), donor, given
STORE = (
    ("大米", "袋", True, 3, 10, 120, "幸福里粮油店（每月一袋）", 5),
    ("食用油", "桶", True, 2, 2, 200, None, 0),
    ("牛奶", "箱", True, 1, 4, 5, "光明超市", 0),
    ("冬衣", "件", False, 2, 8, None, None, 0),
)
"""Last month: money received twice and one payout (approved by two coordinators, so it is in
last month's public ledger); two hours ago: one payout approved once, waiting for the page's
coordinator to give the second approval."""


@dataclass
class Programmes:
    """What the programmes seeded, for `announce_programmes` and the tests."""

    people: list[User] = field(default_factory=list)
    """The extra coordinator and the neighbours who lit wishes."""
    campaign: WishCampaign | None = None
    campaign_wishes: list[Wish] = field(default_factory=list)
    gave_back: Household | None = None
    paid: list[FundPayout] = field(default_factory=list)
    waiting: list[tuple[FundPayout, Household]] = field(default_factory=list)
    """Approved once: the card goes to the coordinators' group with its buttons."""
    fund_campaign: FundCampaign | None = None
    homes: dict[str, Household] = field(default_factory=dict)  # by label, as they are opened
    places: dict[int, dict[str, int]] = field(default_factory=dict)  # community: name -> id


async def seed_programmes(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """Each programme in turn (the people of `seed_demo_community` exist by now, with the
    programmes' own in `community.programmes.people`)."""
    await seed_fund(session, community, clock=clock, settings=settings)  # opens homes in the past
    await seed_campaign(session, community, clock=clock, settings=settings)
    await seed_time_given(session, community, clock=clock, settings=settings)
    await seed_volunteer_hours(session, community, clock=clock)
    await seed_fund_campaign(session, community, clock=clock, settings=settings)
    await seed_storehouse(session, community, clock=clock, settings=settings)


async def _household(
    session: AsyncSession,
    community: SeededCommunity,
    coordinator: User,
    place: str,
    label: str,
    *,
    clock: Clock,
) -> Household:
    """The household of that label opened already (the fund's, last month), else a new one
    opened by the coordinator in that building (the buildings are looked up once)."""
    seeded = community.programmes
    if label in seeded.homes:
        return seeded.homes[label]
    assert coordinator.community_id is not None
    if coordinator.community_id not in seeded.places:
        found = await place_queries.listed(session, [coordinator.community_id])
        seeded.places[coordinator.community_id] = {p.name: p.id for p in found}
    home = await households.open_household(
        session,
        community_id=coordinator.community_id,
        label=label,
        now=clock.now(),
        by=coordinator,
        place_id=seeded.places[coordinator.community_id].get(place),
    )
    seeded.homes[label] = home
    return home


async def seed_campaign(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """The district's campaign day, today: a few dozen verified wishes of households in both
    communities (posted by their coordinators for homes without a phone), some already lit by
    neighbours, the rest for the page's people to light."""
    east_coordinator = community.east[0]
    zhao = community.volunteers[-1]  # 赵磊: approved, so he may give a service
    east_volunteer, east_resident = community.east[1], community.east[2]
    first_donors = community.programmes.people[len(EXTRA_COORDINATORS) :]
    lit: list[tuple[Wish, User]] = []
    for coordinator, batch, donors in (
        (community.coordinator, FIRST_WISHES, (zhao, *first_donors)),
        (east_coordinator, EAST_WISHES, (east_volunteer, east_resident)),
    ):
        for number, item in enumerate(batch):
            home = await _household(
                session, community, coordinator, item.place, item.label, clock=clock
            )
            wish, _ = await wishes.post_wish(
                session, coordinator, item.draft, clock=clock, household_id=home.id,
                settings=settings,
            )  # fmt: skip
            wish = await wishes.approve(session, coordinator, wish, wish.version, clock=clock)
            community.programmes.campaign_wishes.append(wish)
            if item.lit:
                service = item.draft.kind is SERVICE
                lit.append((wish, donors[0] if service else donors[number % len(donors)]))
    district = community.district_coordinator
    assert district is not None
    day = local_today(clock.now(), settings.default_timezone)
    campaign, _ = await wish_campaigns.open_campaign(
        session, district, title=CAMPAIGN_TITLE, day=day, clock=clock, settings=settings
    )
    community.programmes.campaign = campaign
    for wish, donor in lit:
        await wishes.light(session, donor, wish.id, wish.version, clock=clock, settings=settings)


async def seed_time_given(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """陳伯's household, helped yesterday, gave time back (recorded by the coordinator, as
    "➕ Record time a household gave" does); his grandson, the page's volunteer, lives there."""
    coordinator, chen, grandson = (
        community.coordinator,
        community.residents[2],
        community.volunteers[0],
    )
    home = await households.household_of(session, chen, now=clock.now())
    await households.join(session, home, grandson, by=coordinator)
    await time_bank.record_time_given(
        session, coordinator, home.id, TIME_GIVEN_MINUTES,
        now=clock.now(), source=f"demo:given:{home.id}", settings=settings,
    )  # fmt: skip
    community.programmes.gave_back = home


async def seed_fund(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """幸福里社区's fund: last month two gifts and a payout approved by two coordinators (never
    the one who asked); two hours ago a payout approved once, its second approval left for the
    page's coordinator."""
    asker = community.programmes.people[0]  # 郑红梅
    district, page = community.district_coordinator, community.coordinator
    assert district is not None
    start, _, _ = last_month(clock.now(), settings.default_timezone)
    then = ManualClock((start + timedelta(days=4, hours=10)).astimezone(UTC))  # the 5th, 10:00
    for amount, donor in RECEIVED:
        await fund.record_received(
            session, asker, community_id=FIRST_COMMUNITY_ID, amount=amount, donor=donor,
            receipt_file_id=None, now=then.now(), settings=settings,
        )  # fmt: skip
        then.advance(timedelta(days=3))
    label, amount, category, note = PAID
    home = await _household(session, community, asker, B35, label, clock=then)
    payout = await fund.request_payout(
        session, asker, household_id=home.id, amount=amount, category=category, note=note,
        now=then.now(), settings=settings,
    )  # fmt: skip
    for approver in (district, page):
        then.advance(timedelta(hours=2))
        await fund.approve_payout(session, approver, payout.id, now=then.now(), settings=settings)
    community.programmes.paid.append(payout)

    label, amount, category, note = WAITING
    then = ManualClock(clock.now() - timedelta(hours=2))
    home = await _household(session, community, asker, B35, label, clock=then)
    payout = await fund.request_payout(
        session, asker, household_id=home.id, amount=amount, category=category, note=note,
        now=then.now(), settings=settings,
    )  # fmt: skip
    then.advance(timedelta(hours=1))
    await fund.approve_payout(session, district, payout.id, now=then.now(), settings=settings)
    community.programmes.waiting.append((payout, home))


async def seed_volunteer_hours(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock
) -> None:
    """The page's volunteer (陳嘉豪) gave time in the past weeks, credited as logged visits are:
    his "⏱ My hours" shows it and offers "📜 Certificate"."""
    volunteer = community.volunteers[0]
    assert volunteer.community_id is not None
    for days_ago, minutes in VOLUNTEER_HOURS:
        await ledger.credit_time(
            session, community_id=volunteer.community_id, person_id=volunteer.id,
            minutes=minutes, now=clock.now() - timedelta(days=days_ago),
            source=f"demo:hours:{volunteer.id}:{days_ago}", kind=ledger.TIME_VISIT,
        )  # fmt: skip


async def seed_fund_campaign(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """A campaign of 幸福里社区's fund with a goal, two gifts towards it so far; the page's
    coordinator records the next one ("💰 Record money received" asks which campaign) and
    watches the progress message in both groups move."""
    asker = community.programmes.people[0]  # 郑红梅
    then = ManualClock(clock.now() - timedelta(minutes=40))  # this month (last month's is shut)
    title, goal, gifts = FUND_CAMPAIGN
    campaign = await fund_campaigns.open_campaign(
        session, asker, community_id=FIRST_COMMUNITY_ID, title=title, goal=goal,
        ends_on=local_today(clock.now(), settings.default_timezone) + timedelta(days=14),
        now=then.now(), settings=settings,
    )  # fmt: skip
    for amount, donor in gifts:
        then.advance(timedelta(minutes=10))
        await fund_campaigns.record_gift(
            session, asker, community_id=FIRST_COMMUNITY_ID, campaign_id=campaign.id,
            amount=amount, donor=donor, receipt_file_id=None, now=then.now(), settings=settings,
        )  # fmt: skip
    community.programmes.fund_campaign = campaign


async def seed_storehouse(
    session: AsyncSession, community: SeededCommunity, *, clock: Clock, settings: Settings
) -> None:
    """The storehouse (/store): rice from a shop's monthly pledge, half given already, cooking
    oil low, milk close to its date: the page's coordinator sees the flags and gives more."""
    keeper, now = community.coordinator, clock.now()
    today = local_today(now, settings.default_timezone)
    for name, unit, is_food, low_at, received, expires_in, donor, given in STORE:
        item = await storehouse.add_item(
            session, keeper, community_id=FIRST_COMMUNITY_ID, name=name, unit=unit,
            is_food=is_food, low_at=low_at, now=now - timedelta(days=6), settings=settings,
        )  # fmt: skip
        expires: date | None = today + timedelta(days=expires_in) if expires_in else None
        await storehouse.record_received(
            session, keeper, item_id=item.id, quantity_received=received, expires_on=expires,
            donor=donor, now=now - timedelta(days=5), settings=settings,
        )  # fmt: skip
        if given:
            home = community.programmes.gave_back
            assert home is not None
            await storehouse.give_to_household(
                session, keeper, item_id=item.id, household_id=home.id, quantity_given=given,
                now=now - timedelta(days=1), settings=settings,
            )  # fmt: skip


async def announce_programmes(notifier: Notifier, community: SeededCommunity) -> None:
    """What the bot would have said: the campaign's live counter in each of its groups, the
    payout's card waiting for a second approval, and last month's public ledger (the
    scheduler's own job, run now rather than at its first tick)."""
    seeded = community.programmes
    if seeded.campaign is not None:
        await notify_campaigns.post_counters(notifier, seeded.campaign)
    if seeded.fund_campaign is not None:
        await notify_fund_campaigns.post_progress(notifier, seeded.fund_campaign)
    for payout, home in seeded.waiting:
        await notify_fund.payout_asked(notifier, payout, home)
    await post_fund_ledgers(notifier)
