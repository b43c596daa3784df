"""Authorization matrix (权限矩阵): every case command × every role × in / out of jurisdiction.

Each cell sends the real WeCom command (signed, AES-encrypted) as one staff member against a case
prepared in the state the command needs, then checks both the answer and the case: an allowed
command moves the case (a new ledger event by that person), a refused one answers with the reason
and leaves the case exactly as it was. The expected sets are written out by hand from SPEC §4
and §9, not computed from ``core.cases.permissions``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.actors import staff
from core.cases.flow import accept_case
from core.registry.models import Grid, Role, Staff

pytestmark = pytest.mark.usefixtures("town")

CODE = re.compile(r"GR\d{12}")
G01_TEXT = "阳光花园1栋楼下垃圾堆积没人清理"
NOT_MINE = "不在您的管辖范围内"


@dataclass(frozen=True)
class Actor:
    userid: str
    role: Role
    inside: bool  # the G01 case is in this person's jurisdiction


# In jurisdiction of a G01 case (幸福社区, 阳光街道) — member1 is the assignee of every case below.
INSIDE = {
    "assignee": Actor("member1", Role.MEMBER, True),
    "member": Actor("member1b", Role.MEMBER, True),
    "leader": Actor("leader1", Role.LEADER, True),
    "manager": Actor("manager1", Role.MANAGER, True),
    "supervisor": Actor("super1", Role.SUPERVISOR, True),
    "centre": Actor("centre1", Role.CENTRE, True),
    "department": Actor("cg1", Role.DEPARTMENT, True),  # 城管执法; the cases are not theirs
    "admin": Actor("admin", Role.ADMIN, True),
}
# Same roles elsewhere: another grid, community or town.
OUTSIDE = {
    "member@G03": Actor("member3", Role.MEMBER, False),
    "leader@G02": Actor("leader2", Role.LEADER, False),
    "manager@C02": Actor("manager2", Role.MANAGER, False),
    "supervisor@C02": Actor("super2", Role.SUPERVISOR, False),
    "centre@T02": Actor("centre2", Role.CENTRE, False),
    "department@T02": Actor("cg2", Role.DEPARTMENT, False),  # same department, another town
}
ACTORS = {**INSIDE, **OUTSIDE}


@pytest.fixture
def more_staff(town, uow) -> None:
    """A second member in G01, and people of every role outside G01's chain."""
    from sqlalchemy import select

    with uow() as tx:
        grids = {g.code: g for g in tx.session.scalars(select(Grid))}
        t02 = Grid(code="T02", name="和平街道", level="town")
        tx.session.add(t02)
        for userid, name, role, grid, dept in (
                ("member1b", "刘网格员", Role.MEMBER, grids["G01"], ""),
                ("member3", "何网格员", Role.MEMBER, grids["G03"], ""),
                ("super2", "韩督导", Role.SUPERVISOR, grids["C02"], ""),
                ("centre2", "杨中心", Role.CENTRE, t02, ""),
                ("cg2", "朱城管", Role.DEPARTMENT, t02, "城管执法")):
            tx.session.add(Staff(name=name, role=role, wecom_userid=userid, department=dept,
                                 phone="13800000001", grids=[grid]))


class Scene:
    """Sets up cases through the same commands people use."""

    def __init__(self, resident_chat, staff_chat, runner, uow) -> None:
        self.resident, self.staff, self.runner, self.uow = resident_chat, staff_chat, runner, uow
        self._residents = iter(f"o-matrix-{i}" for i in range(100))
        self.reporters: dict[str, str] = {}

    def show(self, code: str) -> dict:
        result = self.runner.invoke(args=["cases", "show", code])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    def report(self, text: str = G01_TEXT) -> str:
        openid = next(self._residents)
        reply = self.resident(openid).say(text)
        found = CODE.search(reply)
        assert found, reply
        self.reporters[found.group(0)] = openid
        return found.group(0)

    def ok(self, userid: str, text: str, expect: str) -> None:
        reply = self.staff(userid).say(text)
        assert expect in reply, (text, reply)

    def dispatched(self) -> str:
        code = self.report()
        self.ok("manager1", f"派遣 {code} member1", "已派遣给李网格员")
        return code

    def resolved(self) -> str:
        code = self.dispatched()
        self.ok("member1", f"办结 {code} 已清理", "已办结")
        return code

    def extension_asked(self) -> str:
        code = self.dispatched()
        self.ok("member1", f"延期 {code} 2天 等环卫车", "已申请延期")
        return code

    def closed_low(self) -> str:
        code = self.resolved()
        self.ok("manager1", f"核查 {code} 通过", "已核查结案")
        self.resident(self.reporters[code]).say(f"评价 {code} 1")
        assert self.show(code)["rating"] == 1
        return code

    def at_county(self) -> str:
        code = self.dispatched()
        for _ in range(3):
            self.staff("admin").say(f"上报 {code} 需上级协调")
        assert self.show(code)["level"] == "county"
        return code

    def unassigned(self) -> str:
        """已受理 in G01 but not yet dispatched (e.g. its grid leader is away): anyone may 接单."""
        code = self.triage()
        with self.uow() as tx:
            accept_case(tx, staff("admin"), code, grid_code="G01", dispatch=False)
        assert (self.show(code)["status"], self.show(code)["assignee"]) == ("accepted", None)
        return code

    def triage(self) -> str:
        code = self.report("小区门口垃圾堆积没人清理")
        assert self.show(code)["grid"] is None
        return code


@dataclass(frozen=True)
class Command:
    prepare: Callable[[Scene], str]
    text: str  # "{code}" is the prepared case
    allowed: frozenset[str]  # actor keys allowed (besides nobody outside, unless listed)
    done: str  # what the reply says when it worked


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


LEADS = _keys("leader", "manager", "centre", "admin")  # lead a grid-level case
COMMANDS: dict[str, Command] = {
    "claim": Command(Scene.unassigned, "接单 {code}",  # member1 is not its assignee here
                     _keys("assignee", "member", "leader", "manager", "centre", "department", "admin"),
                     "已接单"),
    "acknowledge": Command(Scene.dispatched, "接单 {code}", _keys("assignee"), "已接单"),
    "feedback": Command(Scene.dispatched, "反馈 {code} 已联系保洁", LEADS | {"assignee"}, "已记录反馈"),
    "resolve": Command(Scene.dispatched, "办结 {code} 已清理干净", LEADS | {"assignee"}, "已办结"),
    "escalate": Command(Scene.dispatched, "上报 {code} 需社区协调", LEADS | {"assignee"}, "已上报"),
    "extension": Command(Scene.dispatched, "延期 {code} 2天 等配件", _keys("assignee"), "已申请延期"),
    "approve": Command(Scene.extension_asked, "延期 {code} 同意", _keys("manager", "admin"),
                    "已同意延期"),
    "verify": Command(Scene.resolved, "核查 {code} 通过", _keys("manager", "admin"), "已核查结案"),
    "dispatch": Command(Scene.dispatched, "派遣 {code} member1b", LEADS, "已派遣给刘网格员"),
    "reject": Command(Scene.dispatched, "不予受理 {code} 不属于受理范围", LEADS, "已不予受理"),
    "merge": Command(Scene.dispatched, "合并 {other} 到 {code}", LEADS, "合并到"),
    "reopen": Command(Scene.closed_low, "重办 {code} 居民反映仍有垃圾", _keys("manager", "centre", "admin"),
                  "已安排重新办理"),
    "forward": Command(Scene.at_county, "转县 {code} XS-9", _keys("centre", "admin"), "已转县级平台"),
    # A case with no grid yet (待分拣) is accepted into a named grid: the acceptor needs
    # jurisdiction over that grid (首问负责 — a 网格长 asked first may take it into their own grid).
    "accept": Command(Scene.triage, "受理 {code} 物业管理 G01", LEADS, "已受理"),
}
CELLS = [(word, key) for word in COMMANDS for key in ACTORS]


def _state(case: dict) -> tuple:
    return (case["status"], case["level"], case["assignee"], case["deadline"], case["grid"],
            case["merged_into"], case["extension_requested_days"], case["external_ticket"],
            len(case["events"]))


@pytest.mark.usefixtures("more_staff")
@pytest.mark.parametrize(("word", "key"), CELLS, ids=[f"{w}-{k}" for w, k in CELLS])
def test_command_by_role_and_jurisdiction(word, key, resident_chat, staff_chat, runner, uow):
    command, actor = COMMANDS[word], ACTORS[key]
    scene = Scene(resident_chat, staff_chat, runner, uow)
    code = command.prepare(scene)
    other = scene.report("阳光花园3栋楼道里垃圾没人清理") if "{other}" in command.text else ""
    target = other or code
    before = scene.show(target)

    reply = staff_chat(actor.userid).say(command.text.format(code=code, other=other))
    after = scene.show(target)

    if key in command.allowed:
        assert command.done in reply, (word, key, reply)
        assert len(after["events"]) > len(before["events"]), (word, key)
        assert after["events"][-1]["actor_name"] or after["events"][-1]["actor"]
    else:
        assert command.done not in reply, (word, key, reply)
        assert _state(after) == _state(before), (word, key, reply)
        if not actor.inside:
            assert NOT_MINE in reply, (word, key, reply)
        else:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in reply), reply  # a reason, in Chinese


# The admin has no area of their own, so has nobody to call together.
CONVENERS = _keys("manager", "supervisor", "centre", "manager@C02", "supervisor@C02", "centre@T02")


@pytest.mark.usefixtures("more_staff")
@pytest.mark.parametrize("key", list(ACTORS))
@pytest.mark.parametrize("word", ["会议", "培训"], ids=["meeting", "training"])
def test_who_may_convene(word, key, staff_chat):
    """会议 / 培训 go to the convener's own area, so only the role decides."""
    reply = staff_chat(ACTORS[key].userid).say(f"{word} 网格工作例会 明天15:00")
    assert ("已通知" in reply) == (key in CONVENERS), (word, key, reply)
    if key not in CONVENERS:
        assert "发布" in reply, (word, key, reply)  # who may, or why not


@pytest.mark.usefixtures("more_staff")
@pytest.mark.parametrize("key", list(ACTORS))
def test_lists_show_only_cases_in_jurisdiction(key, resident_chat, staff_chat, runner, uow, clock):
    """待办 and 督办 never list a case outside the person's jurisdiction."""
    scene = Scene(resident_chat, staff_chat, runner, uow)
    code = scene.dispatched()
    clock.advance(days=30)  # overdue by now
    for word in ("待办", "督办"):
        reply = staff_chat(ACTORS[key].userid).say(word)
        if not ACTORS[key].inside:
            assert code not in reply, (word, key, reply)
    supervised = staff_chat(ACTORS[key].userid).say("督办")
    if ACTORS[key].inside and ACTORS[key].role in {Role.LEADER, Role.MANAGER, Role.CENTRE, Role.ADMIN}:
        assert code in supervised, (key, supervised)
