"""The webhook's hot path: the inbound row points at the case it made or touched, found by
id alone rather than by reloading the case (docs/performance.md)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from core.cases.models import Case
from core.inbound import InboundMessage

pytestmark = pytest.mark.usefixtures("town")
CODE = re.compile(r"GR\d{12}")


@pytest.fixture
def case_reads(runtime):
    """SELECTs that read a case by its code during the test."""
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many) -> None:
        flat = " ".join(statement.split())
        if flat.startswith("SELECT") and "FROM cases" in flat and "cases.code =" in flat:
            seen.append(flat)

    event.listen(runtime.engine, "before_cursor_execute", on_execute)
    yield seen
    event.remove(runtime.engine, "before_cursor_execute", on_execute)


def inbound_case_codes(uow) -> list[str | None]:
    with uow() as tx:
        rows = tx.session.execute(select(InboundMessage.id, Case.code)
                                  .outerjoin(Case, Case.id == InboundMessage.case_id)
                                  .order_by(InboundMessage.id))
        return [code for _id, code in rows]


def test_inbound_rows_point_at_the_case_they_made_or_touched(resident_chat, uow):
    chat = resident_chat("o-hot")
    chat.say("绑定 阳光花园3栋")
    code = CODE.search(chat.say("3栋楼下的垃圾桶满了好几天没人清")).group(0)
    assert "照片已补充" in chat.send("image", MediaId="m-1", PicUrl="http://x.invalid/1.jpg")
    assert inbound_case_codes(uow) == [None, code, code]


def test_the_pipeline_does_not_reload_the_case_it_links(resident_chat, case_reads):
    chat = resident_chat("o-hot2")
    chat.say("绑定 阳光花园3栋")
    chat.say("3栋楼下的垃圾桶满了好几天没人清")
    case_reads.clear()
    assert "照片已补充" in chat.send("image", MediaId="m-2", PicUrl="http://x.invalid/2.jpg")
    # attach_to_case loads (and locks) the case; the pipeline only looks up its id
    assert len(case_reads) == 2 and case_reads[1].startswith("SELECT cases.id FROM cases WHERE")
