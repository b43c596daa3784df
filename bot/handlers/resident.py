"""Residents' other intents: consult, query, rate, bind, publicity, small talk, help."""

from __future__ import annotations

import re

from bot.context import BotContext
from bot.handlers import texts
from bot.inbound import Inbound
from bot.nlp import CATEGORY_LABELS, answer, classify
from core.cases.report import rate_case
from core.cases.resident import bind_resident, my_cases, set_publicity
from core.cases.states import STATUS_LABELS, Status
from core.registry.lookup import community_of

CODE = re.compile(r"GR\d{12}", re.IGNORECASE)
SCORE = re.compile(r"(?<!\d)([1-5])\s*(?:分|星)?(?!\d)")


def consult(inbound: Inbound, ctx: BotContext) -> str:
    """办事指南 for the question, or a pointer to the community office."""
    c = ctx.classification or classify(inbound.text)
    guide = answer(c)
    if guide:
        return guide
    return "这个问题我们记下了，网格员会联系您解答；也可以工作日到社区服务站咨询。以社区通知为准。"


def query(inbound: Inbound, ctx: BotContext) -> str:
    """查询/进度: my cases, one a line."""
    cases = my_cases(ctx.uow, inbound.sender)
    if not cases:
        return "您近90天没有反映过问题。直接发消息就可以反映。"
    lines = ["您反映的事件："]
    for case in cases:
        line = f"{case.code} {CATEGORY_LABELS.get(case.category, '')} {STATUS_LABELS[Status(case.status)]}"
        if case.status in (Status.ACCEPTED, Status.DISPATCHED) and case.deadline:
            line += f" 时限{case.deadline:%m-%d}"
        if case.status == Status.CLOSED and case.rating is None:
            line += "（待评价）"
        if case.merged_into_id and case.merged_into:
            line += f" 已并入{case.merged_into.code}"
        lines.append(line)
    return "\n".join(lines)


def rate(inbound: Inbound, ctx: BotContext) -> str:
    """评价 GR… 5 [意见]."""
    code_match, score_match = CODE.search(inbound.text), None
    rest = CODE.sub(" ", inbound.text)
    score_match = SCORE.search(rest)
    if not code_match:
        closed = [c for c in my_cases(ctx.uow, inbound.sender)
                  if c.status == Status.CLOSED and c.rating is None]
        if len(closed) == 1 and score_match:
            code = closed[0].code
        else:
            return "请按格式评价：评价 GR…编号 分数（1-5分，5分最满意）"
    else:
        code = code_match.group(0).upper()
    if not score_match:
        return f"请给事件 {code} 打分：回复“评价 {code} 5”（1-5分）"
    note = SCORE.sub("", rest.replace("评价", "")).strip(" ，,。")
    case = rate_case(ctx.uow, ctx.actor, code, int(score_match.group(1)), note)
    ctx.case_code = case.code
    if case.rating and case.rating <= 2:
        return "抱歉让您不满意，社区负责人会尽快联系您了解情况。"
    return f"感谢您的评价（{case.rating}分）！"


def bind(inbound: Inbound, ctx: BotContext) -> str:
    text = inbound.text.strip()[2:].strip(" ：:")
    row = bind_resident(ctx.uow, inbound.sender, text)
    return f"绑定成功：{row.address} 属于{row.grid.name}。以后您反映的问题会直接派给本网格。"


def publicity(inbound: Inbound, ctx: BotContext) -> str:
    """公示: the link to the publicity board of the resident's community."""
    from core.cases.report import ensure_resident

    grid = ensure_resident(ctx.uow, inbound.sender).grid
    board = community_of(grid) or grid
    if board is None:
        return "请先绑定您的小区楼栋（例如：绑定 阳光花园3栋），再查看本社区的公示。"
    return f"{board.name}近30天办结事项公示：{ctx.link('public/' + board.code)}"


def subscribe(inbound: Inbound, ctx: BotContext) -> str:
    cancel = "取消" in inbound.text
    set_publicity(ctx.uow, inbound.sender, not cancel)
    if cancel:
        return "已取消订阅公示。"
    return "已订阅：每周五把本社区办结事项公示发给您（需您近48小时内和我们有过互动）。"


def praise(inbound: Inbound, ctx: BotContext) -> str:
    return texts.PRAISE


def chitchat(inbound: Inbound, ctx: BotContext) -> str:
    return texts.CHITCHAT


def help_text(inbound: Inbound, ctx: BotContext) -> str:
    return texts.RESIDENT_HELP


def rating_answer(inbound: Inbound, ctx: BotContext) -> str:
    """A bare score (“5”, “4分”) answering the rating prompt of the one case awaiting it."""
    score = SCORE.fullmatch(inbound.text.strip())
    if not score:
        return ""
    waiting = [c for c in my_cases(ctx.uow, inbound.sender)
               if c.status == Status.CLOSED and c.rating is None]
    if len(waiting) != 1:
        return ""
    case = rate_case(ctx.uow, ctx.actor, waiting[0].code, int(score.group(1)))
    ctx.case_code = case.code
    return f"感谢您的评价（{case.rating}分）！"
