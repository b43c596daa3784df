"""The scripted demo story (演示): a whole closed loop through the real callbacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from bot.devtools.session import BotSession, Push, format_push
from config.settings import PROJECT_DIR
from core.cases.models import Case
from core.cases.policy import CATEGORY_LABELS
from core.cases.states import ACTION_LABELS, STATUS_LABELS, Action, Status
from core.registry.importer import import_file
from core.uow import UnitOfWork

EXAMPLES = PROJECT_DIR / "docs" / "examples"
RESIDENT, NEIGHBOUR, WORRIED = "o-demo-liu-ayi", "o-demo-xiao-chen", "o-demo-lao-zhao"
LEADER, MANAGER, LEADER2 = "wangjianguo", "sunhongmei", "zhangwei"
CODE = re.compile(r"GR\d{12}")


class Story:
    """Plays the script and writes a transcript through ``echo``; ``pushes`` tells what was
    sent after each step (default: what waits in the outbox)."""

    def __init__(self, session: BotSession, echo: Callable[[str], None],
                 pushes: Callable[[], list[Push]] | None = None) -> None:
        self.session, self.echo = session, echo
        self.pushes = pushes or session.new_pushes
        self.codes: list[str] = []

    def scene(self, title: str) -> None:
        self.echo(f"\n—— {title} ——")

    def say(self, channel: str, user: str, who: str, text: str, **kind: str) -> str:
        if kind:
            reply = self.session.send(channel, user, kind.pop("msg_type"), **kind)
        else:
            reply = self.session.say(channel, user, text)
        self.echo(f"{who}: {text}")
        if reply:
            self.echo("机器人: " + reply.replace("\n", "\n        "))
        for push in self.pushes():
            self.echo(format_push(push))
        self.codes += [c for c in CODE.findall(reply) if c not in self.codes]
        return reply

    def resident(self, text: str, user: str = RESIDENT, who: str = "刘阿姨(居民)") -> str:
        return self.say("official", user, who, text)

    def staff(self, user: str, who: str, text: str) -> str:
        return self.say("wecom", user, who, text)


def seed(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    """Import the demo town from docs/examples through the real importer."""
    lines = []
    for name in ("grids.csv", "staff.csv", "addresses.csv"):
        with UnitOfWork(runtime.env) as uow:
            result = import_file(uow, Path(EXAMPLES / name))
        if result.errors:
            raise RuntimeError("\n".join(result.errors))
        lines.append(f"{name}: 新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
    return lines


def play(story: Story) -> str:
    """The script; returns the code of the main case."""
    story.scene("1. 居民关注公众号、绑定住址、反映问题")
    story.say("official", RESIDENT, "刘阿姨(居民)", "（关注公众号）", msg_type="event", Event="subscribe")
    story.resident("绑定 阳光花园3栋")
    reply = story.resident("3栋楼下的垃圾桶满出来好几天了，没人清，臭得窗户都不敢开")
    code = CODE.search(reply).group(0) if CODE.search(reply) else ""
    story.say("official", RESIDENT, "刘阿姨(居民)", "（发送一张照片）", msg_type="image",
              MediaId="demo-photo-1", PicUrl="http://example.invalid/1.jpg")

    story.scene("2. 网格长接单、办结")
    story.staff(LEADER, "王建国(网格长)", "待办")
    story.staff(LEADER, "王建国(网格长)", f"接单 {code}")
    story.staff(LEADER, "王建国(网格长)", f"办结 {code} 已联系环卫所清运，现场已冲洗消毒")

    story.scene("3. 社区核查结案，居民评价")
    story.staff(MANAGER, "孙红梅(社区书记)", f"核查 {code} 通过 现场已核实")
    story.resident("查询")
    story.resident(f"评价 {code} 5 处理很及时，谢谢")

    story.scene("4. 突发事件：立即通知网格长和社区")
    story.resident("着火了！！阳光花园5栋3楼窗户在冒烟", user=NEIGHBOUR, who="小陈(居民)")

    story.scene("5. 说不清的问题：机器人追问类别")
    story.resident("那个东西又坏了，上次就说过", user=WORRIED, who="老赵(居民)")
    story.resident("1", user=WORRIED, who="老赵(居民)")
    return code


def ledger_lines(runtime, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The case's ledger (台账) as printable lines."""
    with UnitOfWork(runtime.env) as uow:
        case = uow.session.scalar(select(Case).where(Case.code == code))
        if case is None:
            return [f"(没有找到 {code})"]
        lines = [f"{case.code} {CATEGORY_LABELS[case.category]} {case.grid.name if case.grid else ''} "
                 f"{STATUS_LABELS[Status(case.status)]} 评分 {case.rating or '—'}"]
        for ev in case.events:
            who = ev.actor_name or ev.actor
            lines.append(f"  {ev.seq:>2}. {ev.at:%m-%d %H:%M} {ACTION_LABELS[Action(ev.action)]:<6} "
                         f"{who:<8} {ev.from_status or '—'} → {ev.to_status}"
                         + (f"  {ev.note}" if ev.note else "")
                         + (f"  附件{len(ev.attachments)}" if ev.attachments else ""))
        return lines
