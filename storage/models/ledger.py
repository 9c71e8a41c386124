"""The ledger: one double-entry book for time (爱心时间, in minutes) and money (the mutual-aid
fund, in fen), so that what people are told they gave or received can always be traced.

Entries and transfers are only ever added: a mistake is corrected by a transfer that reverses
it, with a reason. Each account keeps its balance in a column, changed in the same transaction
as the entries (see `bot.services.ledger`), so reading one is one row, however long the book."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class LedgerUnit(enum.StrEnum):
    MINUTES = "minutes"  # time given
    FEN = "fen"  # money, in hundredths of the account's currency


class AccountOwner(enum.StrEnum):
    PERSON = "person"  # a volunteer's (or anyone's) time
    HOUSEHOLD = "household"  # a home's time given back, or money paid out to it
    POOL = "pool"  # the community's side of what it credits or receives (goes below zero)
    FUND = "fund"  # the mutual-aid fund's money (never below zero)


class LedgerAccount(Base):
    """One account of one owner in one community and unit. `key` names it uniquely
    ("person:12:minutes") so that two sessions opening it at once make one row."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("lower_limit IS NULL OR balance >= lower_limit", name="within_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    owner: Mapped[AccountOwner] = mapped_column(_enum(AccountOwner))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    unit: Mapped[LedgerUnit] = mapped_column(_enum(LedgerUnit))
    currency: Mapped[str | None] = mapped_column(String(3))  # "CNY" for fen; None for minutes
    lower_limit: Mapped[int | None] = mapped_column(BigInteger)  # None: no limit
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # the sum of its entries
    created_at: Mapped[datetime]


class LedgerTransfer(Base):
    """One movement: its entries sum to zero in each unit. `source` makes it idempotent
    ("request:17": the task that earned it, credited once however often the step runs);
    `reverses_id` is set on the transfer that corrects another, at most one per transfer.
    `memo` is for the community's coordinators only, never for a public ledger."""

    __tablename__ = "ledger_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # "time.task", "fund.payout", "reversal" ...
    category: Mapped[str | None] = mapped_column(String(24))  # a payout's purpose: "medical"
    memo: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(64), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(200))  # why it was reversed
    receipt_file_id: Mapped[str | None] = mapped_column(String(200))  # a photo of the receipt
    created_at: Mapped[datetime] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class LedgerEntry(Base):
    """One account's side of a transfer: a signed amount in the account's unit. `created_at`
    is the transfer's, kept here so an account's month is read from one index."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_account_id_id", "account_id", "id"),
        Index("ix_ledger_entries_account_at", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfers.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"  # asked for, waiting for two coordinators' approval
    PAID = "paid"  # approved twice and recorded in the ledger (the fund → the household)
    CANCELLED = "cancelled"  # withdrawn by a coordinator before it was paid


class FundPayout(Base):
    """Money from the mutual-aid fund for a household: asked for by one coordinator, approved
    by two others (never the one who asked, never the same twice), then recorded as paid by a
    transfer. Each approval is a conditional UPDATE, so two presses at once give one result.
    The public ledger shows it as household code · amount · category; `note` is the
    coordinators' own."""

    __tablename__ = "fund_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # fen
    category: Mapped[str] = mapped_column(String(24))  # "medical", "food" ...
    note: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[PayoutStatus] = mapped_column(_enum(PayoutStatus), default=PayoutStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime]
    first_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    first_approved_at: Mapped[datetime | None]
    second_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    paid_at: Mapped[datetime | None]
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))


class FundLedgerPost(Base):
    """A month's public ledger of a community's fund was posted: the row is the claim, so the
    scheduler posts each month once, however many processes tick."""

    __tablename__ = "fund_ledger_posts"
    __table_args__ = (UniqueConstraint("community_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    period: Mapped[str] = mapped_column(String(7))  # "2026-03", in the community's timezone
    posted_at: Mapped[datetime]


class FundReader(Base):
    """Someone who asked to be sent their community's fund ledger each month (opt-in)."""

    __tablename__ = "fund_readers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    since: Mapped[datetime]


class GiveBackNudge(Base):
    """A resident who said she would like to hear, now and then, that she could give some time
    back (opt-in). `last_at` keeps the nudge to once a month at most."""

    __tablename__ = "give_back_nudges"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime]
    last_at: Mapped[datetime | None]


class FundCampaign(Base):
    """A campaign of the fund (为李奶奶筹集手术费): a goal in fen, perhaps an end date. Its money
    is in the one fund; a gift towards it is tagged (`FundCampaignGift`). `title` is typed by a
    coordinator and shown in the community's groups, so it holds no digits (no phone, flat or
    address). Closed once (a conditional UPDATE): the goal reached, its end date past, or by a
    coordinator (`closed_why`)."""

    __tablename__ = "fund_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    title: Mapped[str] = mapped_column(String(64))
    goal: Mapped[int] = mapped_column(BigInteger)  # fen
    ends_on: Mapped[date | None] = mapped_column(Date)  # the last day, in its timezone
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_why: Mapped[str | None] = mapped_column(String(16))  # "goal", "ended", "closed"


class FundCampaignGift(Base):
    """Money received towards a campaign: the tag on its transfer (a reversal of the transfer
    counts against the campaign too)."""

    __tablename__ = "fund_campaign_gifts"

    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transfers.id"), primary_key=True, autoincrement=False
    )
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("fund_campaigns.id", ondelete="CASCADE"), index=True
    )


class FundCampaignCounter(Base):
    """A campaign's progress message in one group ("已筹 ¥3,200 / ¥5,000"), kept true through the
    outbox like a request's card (`bot.delivery.cards.show`): `shown` is the digest of what it
    was last made to show, so an edit that changes nothing is never queued."""

    __tablename__ = "fund_campaign_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("fund_campaigns.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    edit_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    shown: Mapped[str | None] = mapped_column(String(64))
