"""The leaders' statistics page (统计页): ``GET /stats/<社区编码>?t=<token>&days=7|30|90``.

Opened from the signed, expiring link in the daily digest (领导日报). The token binds the
community and an expiry (core/signed_links.py); a bad, expired or foreign token gets a
friendly 403 page, an unknown community a 404 page. The figures come from
core/stats_page.py; the charts are inline SVG drawn here (bot/svg.py) — no script, no CDN.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from bot.app import runtime
from bot.svg import bar_chart, column_chart
from core.errors import NotFound
from core.signed_links import LinkCheck, check_token
from core.stats_page import PERIODS, PeriodStats, find_community, period_stats

bp = Blueprint("stats", __name__)
DEFAULT_DAYS = 30


def _respond(html: str, status: int) -> Response:
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "private, max-age=300" if status == 200 else "private, no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


def _percent(value: float) -> str:
    return f"{value:.0%}"


def charts(s: PeriodStats) -> dict[str, Markup]:
    """The four charts of the page, from the figures."""
    return {
        "category": bar_chart("c-category", "各类别新增事件（件）", s.by_category,
                              empty="本期无新增"),
        "daily": column_chart("c-daily", "每日新增事件（件）",
                              [(f"{d.month}/{d.day}", n) for d, n in s.by_day]),
        "grid": bar_chart("c-grid", "各网格按时办结率",
                          [(g.grid, g.rate) for g in s.on_time_by_grid], fmt=_percent, top=1.0,
                          empty="本期无结案", axis_fmt=_percent),
        "rating": bar_chart("c-rating", "满意度评分分布（件）",
                            [(f"{score}分", s.ratings[score]) for score in range(5, 0, -1)]),
    }


@bp.get("/stats/<code>")
def stats_page(code: str) -> Response:
    """统计页 of one community, for the period ``days`` (default the last 30 days)."""
    rt = runtime()
    raw_days = request.args.get("days", "")
    days = int(raw_days) if raw_days in {str(p) for p in PERIODS} else DEFAULT_DAYS
    token = request.args.get("t", "")
    with rt.uow() as uow:
        try:
            unit = find_community(uow, code)
        except NotFound:
            return _respond(render_template("not_found.html", what=f"社区 {code}"), 404)
        check = check_token(rt.env.link_key, unit.code, token, uow.now())
        if check is not LinkCheck.OK:
            return _respond(render_template("stats_denied.html", name=unit.name,
                                            expired=check is LinkCheck.EXPIRED), 403)
        s = period_stats(uow, unit.code, days)
        html = render_template("stats.html", s=s, charts=charts(s), token=token, periods=PERIODS)
    return _respond(html, 200)
