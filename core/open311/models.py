"""Tables of the Open311 API (开放接口): estate coordinates and what an API client sent.

The registry knows addresses by name only (小区 + 楼栋); an office that wants reports
placed by coordinates adds a point per address row (``flask open311 points FILE``).
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.registry.models import Address


class AddressPoint(Base):
    """坐标: one WGS-84 point for an address row (an estate or one of its buildings)."""

    __tablename__ = "address_points"

    address_id: Mapped[int] = mapped_column(
        ForeignKey("addresses.id", ondelete="CASCADE"), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)

    address: Mapped[Address] = relationship(lazy="joined")


class ApiRequest(Base):
    """A case that came in through the API: which client sent it and where it was.

    ``client`` is a fingerprint of the API key (never the key); no personal data is kept.
    """

    __tablename__ = "open311_requests"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    client: Mapped[str] = mapped_column(String(16), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"))
