"""The community's own settings per Telegram group, and the people who asked to be phoned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class GroupChat(Base):
    """A group the bot posts to (the coordinators', the volunteers'), with the language its
    posts are written in, chosen by a coordinator in the group."""

    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str] = mapped_column(String(16))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime]


class CallBack(Base):
    """Someone asked "please call me": on the coordinators' list until one marks it done."""

    __tablename__ = "call_backs"
    __table_args__ = (Index("ix_call_backs_done_at", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
