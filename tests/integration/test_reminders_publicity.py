"""Weekly publicity (公示): Friday 17:00 — or the week's last working day before a holiday
Friday — masked, to community staff, and to subscribed residents inside their window only."""

from __future__ import annotations

from datetime import time

import pytest

from core.actors import resident, staff
from core.cases.flow import resolve_case, verify_case
from core.cases.resident import bind_resident, set_publicity, touch_resident
from tests.integration.test_reminders import C01_STAFF, Walk, d, pushes, report, t, when

pytestmark = pytest.mark.usefixtures("town")
PII = "联系人张伟，电话13812345678，身份证11010519491231002X，阳光花园3栋2单元502室门口垃圾堆积"


def close(uow, clock, code: str, at) -> None:
    clock.set(at)
    with uow() as tx:
        resolve_case(tx, staff("leader1"), code, "已清理")
        verify_case(tx, staff("manager1"), code, passed=True)


def subscriber(uow, clock, openid: str, address: str, *, wants=True, last_message=None) -> None:
    clock.set(last_message)
    with uow() as tx:
        bind_resident(tx, openid, address)
        set_publicity(tx, openid, wants)
        touch_resident(tx, openid)


def test_publicity_is_masked_and_reaches_staff_and_open_windows(env, clock, uow):
    clock.set(t(10, 12, 9))
    code = report(uow, PII)
    close(uow, clock, code, t(10, 14, 11))
    subscriber(uow, clock, "o-open", "阳光花园2栋", last_message=t(10, 15, 10))
    subscriber(uow, clock, "o-stale", "阳光花园2栋", last_message=t(10, 13, 10))  # > 48 h
    subscriber(uow, clock, "o-nosub", "阳光花园2栋", wants=False, last_message=t(10, 16, 9))
    subscriber(uow, clock, "o-c02", "和平新村", last_message=t(10, 16, 9))  # nothing closed there
    Walk(env, clock, ["publicity"]).run(t(10, 12), t(10, 24))

    sent = pushes(uow, "publicity")
    assert {(when(p), p.channel, p.recipient) for p in sent} == (
        {((d(10, 16), time(17)), "wecom", u) for u in C01_STAFF}
        | {((d(10, 16), time(17)), "official", "o-open")})
    for p in sent:
        for secret in ("张伟", "13812345678", "11010519491231002X", "502"):
            assert secret not in p.body, (secret, p.body)
        assert "张*" in p.body and "138****5678" in p.body and "2单元***室" in p.body
        assert code in p.body and "（10月14日结案）" in p.body
    staff_push = next(p for p in sent if p.channel == "wecom")
    assert staff_push.body.splitlines()[:2] == [
        "幸福社区办结事项公示（10月09日—10月16日）共 1 件：", "公示栏：http://grid.test/public/C01"]
    resident_push = next(p for p in sent if p.channel == "official")
    assert resident_push.url == "http://grid.test/public/C01" and "公示栏" not in resident_push.body


def test_a_holiday_friday_moves_publicity_earlier_and_loses_nothing(env, clock, uow):
    clock.set(t(9, 21, 9))
    early, late = report(uow, "阳光花园1栋楼下垃圾堆积"), report(uow, "阳光花园3栋楼道杂物堆放")
    close(uow, clock, early, t(9, 24, 10))  # before the Thursday list (Friday 09-25 is off)
    close(uow, clock, late, t(9, 24, 18))  # after it: in the next week's list (Wednesday 09-30)
    Walk(env, clock, ["publicity"]).run(t(9, 21), t(10, 17))
    lists = {when(p): p.body for p in pushes(uow, "publicity", "manager1")}
    assert sorted(lists) == [(d(9, 24), time(17)), (d(9, 30), time(17))]
    assert early in lists[(d(9, 24), time(17))] and late not in lists[(d(9, 24), time(17))]
    assert late in lists[(d(9, 30), time(17))] and early not in lists[(d(9, 30), time(17))]
    assert "（09月24日—09月30日）" in lists[(d(9, 30), time(17))]
    # 10-02 (National Day) has no list, nor 10-09 and 10-16: nothing was closed since
    assert not [p for p in pushes(uow, "publicity") if p.recipient.startswith("o-")]
    assert resident("o-res-1")  # the reporter is not a subscriber
