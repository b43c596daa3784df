"""Public web pages (网页): a case's progress page, linked from every push.

Shows what a resident may see of any case — category, grid, status, deadline and the steps
taken — with the description masked and no names, phone numbers or rooms.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from bot.app import runtime
from core.cases.board import board
from core.cases.policy import CATEGORY_LABELS, LEVEL_LABELS
from core.cases.queries import get_case
from core.cases.states import ACTION_LABELS, STATUS_LABELS, Action, Status
from core.errors import NotFound

bp = Blueprint("pages", __name__)
PUBLIC_ACTIONS = {Action.REPORT, Action.ACCEPT, Action.DISPATCH, Action.RESOLVE, Action.ESCALATE,
                  Action.DECIDE_EXTENSION, Action.VERIFY_PASS, Action.VERIFY_RETURN, Action.REJECT,
                  Action.MERGE, Action.REOPEN, Action.RATE}


@bp.get("/cases/<code>")
def case_page(code: str) -> Response | tuple[str, int]:
    rt = runtime()
    with rt.uow() as uow:
        try:
            case = get_case(uow.session, code)
        except NotFound:
            return render_template("not_found.html", what=f"事件 {code}"), 404
        steps = [(ev.at, ACTION_LABELS[Action(ev.action)], STATUS_LABELS[Status(ev.to_status)])
                 for ev in case.events if Action(ev.action) in PUBLIC_ACTIONS]
        html = render_template(
            "case.html", case=case, steps=steps, summary=rt.env.mask(case.description)[:200],
            category=CATEGORY_LABELS.get(case.category, case.category),
            level=LEVEL_LABELS.get(case.level, case.level), status=STATUS_LABELS[Status(case.status)],
            grid=case.grid.name if case.grid else "待分拣")
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


@bp.get("/public/<code>")
def board_page(code: str) -> Response | tuple[str, int]:
    """公示栏 of a community or unit grid: the last 30 days' closed cases, masked."""
    category = request.args.get("category", "")
    if category not in CATEGORY_LABELS:
        category = ""
    page = request.args.get("page", "1")
    with runtime().uow() as uow:
        try:
            b = board(uow, code, category=category, page=int(page) if page.isdigit() else 1)
        except NotFound:
            return render_template("not_found.html", what=f"公示栏 {code}"), 404
        html = render_template("board.html", b=b, days=30, category=category,
                               labels=CATEGORY_LABELS)
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp
