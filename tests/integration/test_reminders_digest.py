"""The leaders' daily digest (领导日报) at 17:30, its hot words, and ``flask digest``."""

from __future__ import annotations

from datetime import time

import pytest

from core.actors import staff
from core.cases.flow import resolve_case, verify_case
from core.reminders.config import reminder_config
from core.reminders.digest import send_digest
from core.reminders.hotwords import HotWordRules, hot_words
from core.uow import UnitOfWork
from tests.integration.test_reminders import Walk, d, pushes, report, t, when

pytestmark = pytest.mark.usefixtures("town")


def busy_day(uow, clock) -> dict[str, str]:
    """Friday 10-09 in 幸福社区 (C01), with a little in 和平社区 (C02)."""
    codes = {}
    clock.set(t(9, 28, 10))
    codes["old"] = report(uow, "阳光花园6栋电梯困人隐患", category="safety")  # due 10-08 10:00
    clock.set(t(10, 8, 15))
    codes["done"] = report(uow, "阳光花园2栋楼道杂物堆放")
    clock.set(t(10, 9, 9))
    with uow() as tx:
        resolve_case(tx, staff("leader1"), codes["done"], "已清理")
        verify_case(tx, staff("manager1"), codes["done"], passed=True)
    for hour, text, who, category in (
            (10, "阳光花园1栋楼下垃圾堆积没人清理", "o-1", "env"),
            (11, "阳光花园5栋门口垃圾堆积发臭", "o-2", "env"),
            (12, "阳光花园2栋楼道路灯不亮，联系人张伟13812345678", "o-3", "property"),
            (13, "阳光花园4栋楼道的路灯不亮好几天", "o-4", "property"),
            (14, "和平新村垃圾堆积没人管", "o-5", "env")):
        clock.set(t(10, 9, hour))
        codes[who] = report(uow, text, who=who, category=category)
    return codes


def test_digest_goes_to_managers_and_supervisors_on_working_days(env, clock, uow):
    busy_day(uow, clock)
    Walk(env, clock, ["digest"]).run(t(10, 9, 12), t(10, 13))
    sent = pushes(uow, "leader_digest")
    assert {(when(p), p.recipient) for p in sent} == {
        ((day, time(17, 30)), who) for day in (d(10, 9), d(10, 10), d(10, 12))
        for who in ("manager1", "super1", "manager2")}  # not on Sunday 10-11
    text = next(p.body for p in sent if p.recipient == "manager1")
    lines = text.splitlines()
    assert lines[0] == "幸福社区 10月09日（周五） 截至17:30"
    assert lines[1] == "新增 4 ｜ 受理 4 ｜ 结案 1 ｜ 超期 1"
    assert "· 环境卫生：新增2 受理2 结案1" in lines and "· 物业管理：新增2 受理2" in lines
    assert "· 安全隐患：超期1" in lines
    assert "· 幸福社区第一网格：新增2 受理2 结案1" in lines
    assert "本月按时办结率 100%（1/1） ｜ 满意度 暂无评价" in lines
    assert lines[lines.index("超期事件：") + 1].startswith("1. GR20260928")
    hot = next(line for line in lines if line.startswith("热词："))
    assert "垃圾堆积(2)" in hot and "路灯不亮(2)" in hot
    assert "张伟" not in text and "13812345678" not in text and "和平新村" not in text
    c02 = next(p.body for p in sent if p.recipient == "manager2")
    assert c02.splitlines()[1] == "新增 1 ｜ 受理 1 ｜ 结案 0 ｜ 超期 0"


def test_flask_digest_prints_what_was_sent(env, clock, uow, runner):
    busy_day(uow, clock)
    clock.set(t(10, 9, 17, 30))
    with UnitOfWork(env) as tx:
        assert send_digest(tx, t(10, 9, 17, 30)) == 3
    sent = next(p.body for p in pushes(uow, "leader_digest") if p.recipient == "manager1")
    clock.set(t(10, 10, 11))
    report(uow, "阳光花园3栋楼下垃圾堆积", who="o-9")  # a later day changes nothing of 10-09
    result = runner.invoke(args=["digest", "--date", "2026-10-09", "--community", "C01"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == sent
    today = runner.invoke(args=["digest", "--community", "C02"])
    assert today.exit_code == 0 and today.output.startswith("和平社区 10月10日（周六）")
    bad = runner.invoke(args=["digest", "--date", "2026-10-09", "--community", "G01"])
    assert bad.exit_code == 1 and "没有编码为 G01 的社区" in bad.output
    assert runner.invoke(args=["digest", "--date", "10/09", "--community", "C01"]).exit_code == 2
    assert "--community" in runner.invoke(args=["digest", "--help"]).output


def test_hot_words_are_shared_phrases_not_fragments():
    rules = HotWordRules.from_config(reminder_config().digest["hot_words"])
    texts = ["小区门口垃圾堆积了", "3栋垃圾堆积好几天", "垃圾堆积没人管，路灯也不亮",
             "楼道路灯不亮", "二单元路灯不亮", "我是张*，噪音扰民"]
    assert hot_words(texts, rules) == [("垃圾堆积", 3), ("路灯不亮", 2)]
    assert hot_words(["只有一条垃圾堆积"], rules) == []
    assert hot_words(["的的的的", "的的的的"], rules) == []
