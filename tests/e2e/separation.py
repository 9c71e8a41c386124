"""The communities rule checked after every conversation: nothing of one community reaches
another's people. Each person's name belongs to the communities they act in, each request's
words (and a concern's, and a household's label) to its community; a chat may read only what
belongs to a community it acts in (a person's scope; a group's, the communities below the node
whose group it is). A street's or a district's coordinator reads all of theirs.

Names and words shorter than five characters, or found in more than one community, prove
nothing and are not checked."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from bot.config import Settings
from bot.emulator.server import FakeBotAPI
from bot.policy.permissions import is_coordinator, is_helper
from bot.services.communities import CommunityTree
from storage.db import create_engine, create_session_factory
from storage.models import Community, Concern, HelpRequest, Household, ServedCommunity, User, Wish
from tests.e2e.privacy import MIN_SECRET, shown


async def _belongings(settings: Settings) -> tuple[dict[str, set[int]], dict[int, set[int]]]:
    """(each name or request's words -> the communities they belong to, each chat -> the
    communities it acts in)."""
    engine = create_engine(settings.resolved_database_url)
    try:
        async with create_session_factory(engine)() as session:
            tree = CommunityTree(await session.scalars(select(Community)), settings)
            served: dict[int, set[int]] = defaultdict(set)
            for row in await session.scalars(select(ServedCommunity)):
                served[row.user_id] |= tree.below(row.community_id)
            people = list(await session.scalars(select(User)))
            requests = list(await session.scalars(select(HelpRequest)))
            concerns = list(await session.scalars(select(Concern)))
            households = list(await session.scalars(select(Household)))
            wishes = list(await session.scalars(select(Wish)))
    finally:
        await engine.dispose()
    chats: dict[int, set[int]] = {}
    owned: dict[str, set[int]] = defaultdict(set)
    for person in people:
        if person.community_id is None:
            continue
        scope = set(tree.below(person.community_id))
        if is_helper(person) and not is_coordinator(person):
            scope |= served[person.id]
        if person.telegram_id is not None:
            chats[person.telegram_id] = scope
        if person.display_name and len(person.display_name) >= MIN_SECRET:
            owned[person.display_name] |= scope
    for community in tree.communities:
        for chat in (tree.settings(community.id).coordinator_chat_id,
                     tree.settings(community.id).volunteer_chat_id):  # fmt: skip
            if chat is not None:
                owner = tree.group_owner(chat)
                chats.setdefault(chat, set()).update(tree.below(owner))
    for request in requests:
        if request.description and len(request.description) >= MIN_SECRET:
            owned[request.description] |= {request.community_id}
    for concern in concerns:  # a neighbour's words, and the homes coordinators know by name
        for words in (concern.description, concern.building, concern.person_name):
            if words and len(words) >= MIN_SECRET:
                owned[words] |= {concern.community_id}
    for household in households:
        if len(household.label) >= MIN_SECRET:
            owned[household.label] |= {household.community_id}
    for wish in wishes:
        for words in (wish.description, wish.address_as):
            if words and len(words) >= MIN_SECRET:
                owned[words] |= {wish.community_id}
    distinct = {words: where for words, where in owned.items() if len(where) == 1}
    return distinct, chats


async def crossed_communities(api: FakeBotAPI, settings: Settings) -> list[str]:
    """Every message that showed a chat a name or a request of a community it does not act in."""
    owned, chats = await _belongings(settings)
    if len({community for where in owned.values() for community in where}) < 2:
        return []  # one community: nothing to cross
    crossings = []
    for method, reader, text in shown(api):
        readable = chats.get(reader)
        if readable is None:
            continue  # someone the bot does not know yet (their first words): nothing of ours
        for words, where in owned.items():
            if words in text and not where & readable:
                crossings.append(f"{method} to {reader} shows {words!r}: {text[:200]!r}")
    return crossings
