"""Hours certificates (志愿服务时长证明): a volunteer's credited time, as a snapshot signed by
their community and a code that community's coordinators can check with /verify.

Who: approved volunteers, and coordinators (who volunteer too): those who earn time by
tasks and visits. Residents who gave time back have their time in "⏱ My hours" but no
certificate (it certifies volunteer service). What: the time credited to them in the node
they registered in (their community, or all of their street) by the ledger, reversals taken
off: the sum of their time entries there. Time given in a further community they serve
belongs to that community's books and is not on it.

Drawing takes a moment, so a certificate is issued in two steps: `draft_certificate` reads
(and chooses the code), the picture is drawn after that read, and `issue_certificate` writes
the row in the transaction that queues the file. A press issues at most one (`source`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities, volunteers
from bot.services.errors import DomainError, InvalidInput, NotAllowed
from storage.models import Certificate, User
from storage.repositories import audit
from storage.repositories import certificates as queries

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I: read aloud, typed back
CODE_LENGTH = 8  # 32**8: about a million million codes
ERASED = "—"  # the name of someone who deleted their data


class CertificateError(DomainError):
    pass


class NoCreditedTime(CertificateError):
    """Nothing credited yet: no certificate of zero hours."""


class AlreadyIssued(CertificateError):
    """This press issued its certificate already (a double tap): nothing more is sent."""


class CertificateNotFound(CertificateError):
    """No such code, or one of a community the coordinator does not act for (the same
    answer: a code tells nothing of other communities)."""


class CodeMalformed(InvalidInput):
    """Not a code as printed (eight letters and digits, ABCD-EFGH)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """ "ABCD-EFGH": as printed and as told."""
    return f"{code[:4]}-{code[4:]}"


def typed_code(text: str | None) -> str | None:
    """The code in what a coordinator typed ("abcd efgh", "ABCD-EFGH"); None if it is none."""
    cleaned = "".join((text or "").split()).replace("-", "").replace("－", "").upper()
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


@dataclass(frozen=True)
class CertificateDraft:
    """What the certificate will say, read before it is drawn."""

    code: str
    user_id: int
    name: str
    community_id: int
    community_line: str  # district, street, community: the one who signs
    minutes: int
    period_from: datetime
    period_to: datetime
    issued_at: datetime
    timezone: str  # the community's: its dates read the same on the paper and to /verify


async def community_line(session: AsyncSession, settings: Settings, community_id: int) -> str:
    """ "南山区 桃源街道 平山社区": the node with the street and district above it."""
    tree = await communities.tree(session, settings)
    return " ".join(tree.name(node) for node in reversed(tree.lineage(community_id)))


async def _volunteer(session: AsyncSession, person: User | None) -> User:
    require(person, Action.GET_CERTIFICATE)
    return await volunteers.approved_volunteer(session, person)


async def may_have_one(session: AsyncSession, settings: Settings, person: User | None) -> None:
    """`NotAllowed`, `VolunteerNotApproved` or `NoCreditedTime` before asking which file."""
    volunteer = await _volunteer(session, person)
    node = communities.home_of(volunteer)
    below = (await communities.tree(session, settings)).below(node)
    if (await queries.credited(session, volunteer.id, below)).minutes <= 0:
        raise NoCreditedTime()


async def draft_certificate(
    session: AsyncSession, settings: Settings, person: User | None, *, source: str, clock: Clock
) -> CertificateDraft:
    """What a certificate issued now would say, with a new code; nothing is written."""
    volunteer = await _volunteer(session, person)
    if await queries.by_source(session, source) is not None:
        raise AlreadyIssued()
    node = communities.home_of(volunteer)
    tree = await communities.tree(session, settings)
    credited = await queries.credited(session, volunteer.id, tree.below(node))
    if credited.minutes <= 0 or credited.first is None or credited.last is None:
        raise NoCreditedTime()
    return CertificateDraft(
        code=new_code(),
        user_id=volunteer.id,
        name=volunteer.display_name or "",
        community_id=node,
        community_line=await community_line(session, settings, node),
        minutes=credited.minutes,
        period_from=credited.first,
        period_to=credited.last,
        issued_at=clock.now(),
        timezone=tree.settings(node).timezone,
    )


async def issue_certificate(
    session: AsyncSession, person: User | None, draft: CertificateDraft, *, source: str
) -> Certificate:
    """Record the drawn certificate (audited); `AlreadyIssued` when this press issued one
    meanwhile (another process took the same press)."""
    volunteer = require(person, Action.GET_CERTIFICATE)
    if draft.user_id != volunteer.id:
        raise NotAllowed()
    if await queries.by_source(session, source) is not None:
        raise AlreadyIssued()
    certificate = Certificate(
        code=draft.code,
        user_id=volunteer.id,
        community_id=draft.community_id,
        minutes=draft.minutes,
        period_from=draft.period_from,
        period_to=draft.period_to,
        issued_at=draft.issued_at,
        issued_by_id=volunteer.id,
        source=source,
    )
    try:
        async with session.begin_nested():
            session.add(certificate)
            await session.flush()
    except IntegrityError:
        if await queries.by_source(session, source) is not None:
            raise AlreadyIssued() from None
        raise  # the same code drawn twice: once in a million million
    audit.record(
        session,
        at=draft.issued_at,
        action="certificate.issued",
        actor_id=volunteer.id,
        subject_id=volunteer.id,
        detail={"certificate_id": certificate.id, "code": certificate.code,
                "community_id": certificate.community_id, "minutes": certificate.minutes},
    )  # fmt: skip
    return certificate


@dataclass(frozen=True)
class Verified:
    certificate: Certificate
    name: str
    community_line: str
    timezone: str  # the community's, as on the certificate


async def verify_certificate(
    session: AsyncSession,
    settings: Settings,
    person: User | None,
    text: str | None,
    *,
    clock: Clock,
) -> Verified:
    """A coordinator checks a code: who, which community, how long, when (audited, found or
    not). Only a certificate of a node they act for is found."""
    coordinator = require(person, Action.VERIFY_CERTIFICATE)
    code = typed_code(text)
    if code is None:
        raise CodeMalformed()
    certificate = await queries.by_code(session, code)
    tree = await communities.tree(session, settings)
    if certificate is None or not tree.covers(coordinator.community_id, certificate.community_id):
        audit.record(
            session, at=clock.now(), action="certificate.not_found", actor_id=coordinator.id,
            subject_id=None, detail={"code": code},
        )  # fmt: skip
        raise CertificateNotFound()
    volunteer = await session.get(User, certificate.user_id)
    audit.record(
        session, at=clock.now(), action="certificate.verified", actor_id=coordinator.id,
        subject_id=certificate.user_id, detail={"certificate_id": certificate.id, "code": code},
    )  # fmt: skip
    erased = volunteer is None or volunteer.deleted_at is not None or not volunteer.display_name
    return Verified(
        certificate=certificate,
        name=ERASED if erased else str(volunteer.display_name),  # type: ignore[union-attr]
        community_line=await community_line(session, settings, certificate.community_id),
        timezone=tree.settings(certificate.community_id).timezone,
    )
