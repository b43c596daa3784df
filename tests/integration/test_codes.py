"""Case codes: GR + date + 4-digit daily sequence, unique under concurrency."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from core.actors import resident
from core.cases.codes import next_code
from core.cases.models import Case
from core.cases.report import ReportInput, report_case
from core.clock import SHANGHAI

pytestmark = pytest.mark.usefixtures("town")


def test_daily_sequence_restarts_each_day(uow, clock):
    with uow() as tx:
        assert next_code(tx.session, clock.now().date()) == "GR202611260001"
        assert next_code(tx.session, clock.now().date()) == "GR202611260002"
        assert next_code(tx.session, datetime(2026, 11, 27).date()) == "GR202611270001"


def test_code_date_is_the_shanghai_date(uow, clock):
    clock.set(datetime(2026, 11, 26, 16, 30, tzinfo=SHANGHAI).astimezone(SHANGHAI))
    clock.set(datetime(2026, 11, 26, 23, 30).replace(tzinfo=SHANGHAI))
    with uow() as tx:
        code = report_case(tx, resident("o"), ReportInput(description="垃圾没人清",
                                                          category="env")).case.code
    assert code.startswith("GR20261126")


def test_concurrent_reports_never_collide(uow):
    """Eight workers report at the same instant, each in its own connection and transaction."""
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(per_worker):
                with uow() as tx:
                    report_case(tx, resident(f"o-{n}-{i}"), ReportInput(
                        description=f"阳光花园{n % 6 + 1}栋路灯坏了第{i}次", category="env"))
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with uow() as tx:
        codes = list(tx.session.scalars(select(Case.code)))
    assert len(codes) == len(set(codes)) == workers * per_worker
    assert sorted(codes)[-1] == f"GR20261126{workers * per_worker:04d}"
