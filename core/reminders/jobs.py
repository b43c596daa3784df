"""The job table (任务表): which reminder function runs at which minutes (SPEC §6)."""

from __future__ import annotations

from core.reminders.registry import JobSpec

JOBS: list[JobSpec] = []
