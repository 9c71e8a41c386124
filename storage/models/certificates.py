"""Hours certificates (志愿服务时长证明): a snapshot of a volunteer's credited time, with a code
a coordinator can check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Certificate(Base):
    """What a certificate said when it was issued: the minutes credited to the volunteer in
    `community_id` (their own community, street or district) between the first and last
    credit. The volunteer's name is read from their row when it is checked (erased with their
    data), never copied here. `source` names the press that issued it (a double tap issues
    one); `code` is what is printed and typed back to /verify."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    minutes: Mapped[int] = mapped_column(BigInteger)
    period_from: Mapped[datetime]
    period_to: Mapped[datetime]
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None]
