"""A service request from an API client becomes a case (信息采集, 开放接口渠道).

The same use case as a resident's message (:func:`core.cases.report.report_case`): placed
in a grid by the address lookup, merged into an open case it repeats, accepted and
dispatched at once when the category is sure and the grid known. The API adds only what
a message does not carry: coordinates, placed on the nearest address point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.actors import api_client
from core.cases.models import Case
from core.cases.report import ReportInput, report_case
from core.open311.models import ApiRequest
from core.open311.places import address_text, check_coordinates, nearest_address
from core.registry.lookup import find_address
from core.registry.models import Address
from core.uow import UnitOfWork

CHANNEL = "open311"
MAX_ADDRESS_CHARS = 200
URGENT_ADVICE = "如有人身危险，请立即拨打 110/119/120。"


def client_id(api_key: str) -> str:
    """A stable, non-secret name for an API key (the first 12 hex digits of its SHA-256)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Submission:
    """What the client sent, already checked and classified at the edge."""

    description: str
    category: str
    confident: bool
    urgent: bool = False
    address: str = ""  # address_string, or the address the classifier read in the text
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Submitted:
    code: str  # the case to follow: the open case it was merged into, when it repeats one
    notice: str
    merged: bool = False


def _locate(uow: UnitOfWork, sub: Submission) -> tuple[Address | None, str]:
    """The address row the case will be placed by, and the address text to report."""
    found = find_address(uow.session, sub.address or sub.description)
    if found is not None or sub.latitude is None or sub.longitude is None:
        return found, sub.address
    near = nearest_address(uow.session, sub.latitude, sub.longitude)
    if near is None:
        return None, sub.address
    text = address_text(near) + (f"（{sub.address}）" if sub.address else "")
    return near, text[:256]


def submit_request(uow: UnitOfWork, api_key: str, sub: Submission) -> Submitted:
    """Record the request as a case through the report use case; returns what to tell the client."""
    if sub.latitude is not None and sub.longitude is not None:
        check_coordinates(sub.latitude, sub.longitude)
    address, text = _locate(uow, sub)
    client = client_id(api_key)
    outcome = report_case(uow, api_client(client), ReportInput(
        description=sub.description, category=sub.category, urgent=sub.urgent, address=text,
        confident=sub.confident, channel=CHANNEL, note="经开放接口（Open311）提交"))
    case = outcome.case
    uow.session.add(ApiRequest(case_id=case.id, client=client, latitude=sub.latitude,
                               longitude=sub.longitude, address_id=address.id if address else None))
    uow.session.flush()
    head = URGENT_ADVICE if sub.urgent else ""
    if outcome.merged_into is not None:
        master = outcome.merged_into
        return Submitted(master.code, f"{head}与事件 {master.code} 为同一事项，已合并办理。", merged=True)
    return Submitted(case.code, head + _notice(case))


def _notice(case: Case) -> str:
    if case.grid is None:
        return "已收到。地址未能对应到网格，将由工作人员分拣后办理。"
    if case.deadline is None:
        return f"已收到，由{case.grid.name}确认类别后受理。"
    return f"已受理，由{case.grid.name}办理，办理时限 {case.deadline:%Y-%m-%d %H:%M}。"
