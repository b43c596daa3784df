"""Import every model module so the metadata knows all tables (for migrations and tests)."""

from core.cases.models import Case, CaseEvent, CaseSequence
from core.inbound import InboundMessage, WorkLog
from core.open311.models import AddressPoint, ApiRequest
from core.outbox import Notification
from core.registry.models import Address, Grid, Resident, Staff, StaffGrid
from core.reminders.journal import SchedulerRun
from core.reminders.models import Attendance, Meeting

__all__ = [
    "Address",
    "AddressPoint",
    "ApiRequest",
    "Attendance",
    "Case",
    "CaseEvent",
    "CaseSequence",
    "Grid",
    "InboundMessage",
    "Meeting",
    "Notification",
    "Resident",
    "SchedulerRun",
    "Staff",
    "StaffGrid",
    "WorkLog",
]
