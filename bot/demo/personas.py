"""The people of the demo: the three phones on the page, the groups, and neighbours in the data.

`role` and `note` are keys of the page's dictionary (bot/emulator/web/strings.json).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import UserRole


@dataclass(frozen=True)
class DemoPerson:
    """Someone in the demo community; `telegram_id` is their (fake) Telegram account."""

    telegram_id: int
    name: str
    language_code: str
    phone: str
    place: str | None  # one of PLACES: never an address
    role: UserRole
    note: str = ""


PLACES = ("1-2号楼", "3-5号楼", "6-8号楼", "社区活动中心")
"""The buildings the demo's coordinator has defined: residents tap one when registering, and it
is all volunteers see of where someone lives before they take on a task."""

RESIDENT = DemoPerson(
    telegram_id=710001,
    name="王秀英",
    language_code="zh-hans",
    phone="+8613800138001",
    place="3-5号楼",
    role=UserRole.RESIDENT,
    note="lives_alone",
)
VOLUNTEER = DemoPerson(
    telegram_id=710002,
    name="陳嘉豪",
    language_code="zh-hant",
    phone="+8613900139002",
    place="3-5号楼",
    role=UserRole.VOLUNTEER,
    note="student",
)
COORDINATOR = DemoPerson(
    telegram_id=710003,
    name="Li Na",
    language_code="en",
    phone="+8613700137003",
    place=None,
    role=UserRole.COORDINATOR,
    note="community_office",
)
PHONES = (RESIDENT, VOLUNTEER, COORDINATOR)
"""The chats shown side by side, in this order. The resident starts as a stranger to the bot
(she registers on the page); the volunteer and the coordinator are already registered."""

COORDINATORS_GROUP_ID = -1007100001
COORDINATORS_GROUP_TITLE = "邻里 · 工作人员 Coordinators"
VOLUNTEERS_GROUP_ID = -1007100002
VOLUNTEERS_GROUP_TITLE = "邻里 · 志愿者 Volunteers"
"""Approved tasks are posted here (area and time, never the address); any member may claim."""

# Neighbours who exist only in the database: they fill lists, they have no phone on the page.
EXTRA_RESIDENTS = (
    DemoPerson(720001, "张建国", "zh-hans", "+8613600136001", "1-2号楼", UserRole.RESIDENT),
    DemoPerson(720002, "刘桂兰", "zh-hans", "+8613600136002", "6-8号楼", UserRole.RESIDENT),
    DemoPerson(720003, "陳伯", "zh-hant", "+8613600136003", "3-5号楼", UserRole.RESIDENT),
)
EXTRA_VOLUNTEERS = (
    DemoPerson(720101, "赵磊", "zh-hans", "+8613600136101", "1-2号楼", UserRole.VOLUNTEER),
)
EXTRA_COORDINATORS = (
    DemoPerson(720201, "郑红梅", "zh-hans", "+8613700137201", None, UserRole.COORDINATOR),
)
"""幸福里社区's second coordinator: with the district's coordinator, the three a payout from the
fund needs (the one who asks, and two others who approve)."""
DONORS = (
    DemoPerson(720301, "钱文静", "zh-hans", "+8613600136301", "1-2号楼", UserRole.RESIDENT),
    DemoPerson(720302, "高志强", "zh-hans", "+8613600136302", "6-8号楼", UserRole.RESIDENT),
)
"""Neighbours who lit some of the campaign's wishes before the page opened."""
VOLUNTEERS_GROUP_MEMBERS = (VOLUNTEER, *EXTRA_VOLUNTEERS)
"""The page's volunteer first: the page writes in a group as its first member by default."""

# The communities of the demo: 幸福里社区 (the first, where the phones on the page live) and
# 东湖社区 beside it, both under one street and one district. A resident who opens the bot
# without a join link is asked which of the two she lives in.
DISTRICT = ("和平区", "heping")
STREET = ("安康街道", "ankang")
FIRST_COMMUNITY_NAME = "幸福里社区"  # the first community ("main"), renamed
EAST = ("东湖社区", "donghu")
EAST_PLACES = ("东湖1-4号楼", "东湖5-9号楼")

DISTRICT_COORDINATOR = DemoPerson(
    730001, "孙建华", "zh-hans", "+8613700137101", None, UserRole.COORDINATOR
)
"""Acts for the whole district (both communities): sees and answers what either one's
coordinators do, and sends notices to both."""
EAST_COORDINATOR = DemoPerson(
    730002, "周敏", "zh-hans", "+8613700137102", None, UserRole.COORDINATOR
)
EAST_RESIDENTS = (
    DemoPerson(730101, "李淑芬", "zh-hans", "+8613600137101", "东湖1-4号楼", UserRole.RESIDENT),
    DemoPerson(730102, "何伯", "zh-hant", "+8613600137102", "东湖5-9号楼", UserRole.RESIDENT),
)
EAST_VOLUNTEERS = (
    DemoPerson(730201, "吴婷", "zh-hans", "+8613600137201", "东湖1-4号楼", UserRole.VOLUNTEER),
)
