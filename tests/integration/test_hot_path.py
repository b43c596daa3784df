"""The webhook's hot path does no more database work than it needs (docs/performance.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from core.actors import resident
from core.cases.models import Case
from core.cases.report import ReportInput, report_case

pytestmark = pytest.mark.usefixtures("town")


def report(tx, who: str, text: str):
    return report_case(tx, resident(who), ReportInput(description=text, category="env",
                                                      address="阳光花园3栋"))


@pytest.fixture
def loaded_cases():
    """Codes of the Case rows loaded from the database, in order."""
    codes: list[str] = []

    def on_load(target: Case, _context: object) -> None:
        codes.append(target.code)

    event.listen(Case, "load", on_load)
    yield codes
    event.remove(Case, "load", on_load)


def test_duplicate_scan_loads_only_the_case_it_merges_into(uow, env, clock, loaded_cases):
    env.similarity = lambda a, b: {"垃圾桶满了": 0.9, "垃圾桶满了没人清": 0.95}.get(b, 0.1) if "又" in a else 0.0
    codes = {}
    for text in ("楼道灯坏了", "垃圾桶满了", "垃圾桶满了没人清", "井盖松了"):
        clock.advance(minutes=5)
        with uow() as tx:
            codes[text] = report(tx, f"o-{len(codes)}", text).case.code
    loaded_cases.clear()
    with uow() as tx:
        out = report(tx, "o-new", "垃圾桶又满了")
        assert out.merged_into is not None and out.merged_into.code == codes["垃圾桶满了没人清"]
    assert loaded_cases == [codes["垃圾桶满了没人清"]]


def test_duplicate_scan_takes_the_most_recent_of_equal_scores(uow, env, clock):
    env.similarity = lambda a, b: 0.8 if "又" in a else 0.0
    with uow() as tx:
        report(tx, "o-a", "垃圾桶满了")
    clock.advance(minutes=5)
    with uow() as tx:
        newer = report(tx, "o-b", "垃圾站满了").case.code
    with uow() as tx:
        out = report(tx, "o-c", "垃圾桶又满了")
        assert out.merged_into is not None and out.merged_into.code == newer
