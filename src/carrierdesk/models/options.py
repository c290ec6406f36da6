from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from carrierdesk.models.base import Base, JSONType


class OptionRow(Base):
    """One account-wide setting of Settings › Options (unset keys take their defaults)."""

    __tablename__ = "options"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
