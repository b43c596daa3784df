"""Import every model module so the metadata knows all tables (for migrations and tests)."""

from core.cases.models import Case, CaseEvent, CaseSequence
from core.inbound import InboundMessage, WorkLog
from core.outbox import Notification
from core.registry.models import Address, Grid, Resident, Staff, StaffGrid

__all__ = [
    "Address",
    "Case",
    "CaseEvent",
    "CaseSequence",
    "Grid",
    "InboundMessage",
    "Notification",
    "Resident",
    "Staff",
    "StaffGrid",
    "WorkLog",
]
