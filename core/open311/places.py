"""Coordinates → an address of the registry (坐标定位).

The grid tree has no map. An office that wants API reports placed by coordinates gives
each estate (or building) one point; a report is placed at the nearest point within
``MAX_DISTANCE_M``. Farther than that, or no points at all, the case goes to the
community's triage queue (待分拣), as a message with an unknown address does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.open311.models import AddressPoint
from core.registry.models import Address

MAX_DISTANCE_M = 500.0  # about one estate: farther than this a point says nothing
EARTH_RADIUS_M = 6_371_000.0
POINTS_HEADER = ("小区", "楼栋", "纬度", "经度")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest_address(session: Session, lat: float, lon: float,
                    max_m: float = MAX_DISTANCE_M) -> Address | None:
    """The address row whose point is nearest to (lat, lon), if within ``max_m``."""
    span = max_m / 111_000 + 0.001  # a box first: degrees of latitude, generous for longitude
    lon_span = span / max(0.01, math.cos(math.radians(lat)))
    points = session.scalars(select(AddressPoint).where(
        AddressPoint.latitude.between(lat - span, lat + span),
        AddressPoint.longitude.between(lon - lon_span, lon + lon_span)))
    best: tuple[float, Address] | None = None
    for p in points:
        d = distance_m(lat, lon, p.latitude, p.longitude)
        if d <= max_m and (best is None or d < best[0]):
            best = (d, p.address)
    return best[1] if best else None


def address_text(address: Address) -> str:
    """How the report names the place: 小区 + 楼栋 (what the address lookup reads)."""
    return f"{address.estate}{address.building}"


@dataclass(frozen=True)
class PointRow:
    line: int
    estate: str
    building: str
    latitude: str
    longitude: str


def check_coordinates(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidInput("坐标必须是有限的数字")
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise InvalidInput("纬度须在 -90~90、经度须在 -180~180 之间")


def import_points(session: Session, rows: Iterable[PointRow]) -> int:
    """Set the point of each named address (小区,楼栋,纬度,经度); all rows or none.

    Raises :class:`InvalidInput` naming every bad row by its line number.
    """
    problems: list[str] = []
    found: list[tuple[Address, float, float]] = []
    for row in rows:
        try:
            lat, lon = float(row.latitude), float(row.longitude)
            check_coordinates(lat, lon)
        except (ValueError, InvalidInput):
            problems.append(f"第{row.line}行：坐标无效（{row.latitude},{row.longitude}）")
            continue
        address = session.scalar(select(Address).where(Address.estate == row.estate.strip(),
                                                       Address.building == row.building.strip()))
        if address is None:
            problems.append(f"第{row.line}行：地址表中没有 {row.estate}{row.building}")
            continue
        found.append((address, lat, lon))
    if problems:
        raise InvalidInput("\n".join(problems))
    for address, lat, lon in found:
        point = session.get(AddressPoint, address.id)
        if point is None:
            session.add(AddressPoint(address_id=address.id, latitude=lat, longitude=lon))
        else:
            point.latitude, point.longitude = lat, lon
    session.flush()
    return len(found)
