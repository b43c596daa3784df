"""The ranking laid out as columns: one definition for the CLI table and the 考核 sheet."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.assessment.score import FLAG_AT, LOW_RATING_PENALTY, WEIGHTS, RankRow

if TYPE_CHECKING:
    from core.assessment import Ranking


@dataclass(frozen=True)
class Column:
    """A column: header, raw value (a number for the workbook) and its kind."""

    header: str
    value: Callable[[RankRow], Any]
    kind: str = "text"  # text | int | pct | dec


def _f(name: str) -> Callable[[RankRow], Any]:
    return lambda r: getattr(r.subject.figures, name)


RANK = Column("名次", lambda r: r.rank, "int")
COMMON = [
    Column("案件量", _f("reported"), "int"), Column("结案", _f("closed"), "int"),
    Column("按时办结率", _f("on_time_rate"), "pct"),
    Column("平均办结工作日", _f("average_days"), "dec"),
    Column("满意度", _f("average_rating"), "dec"), Column("评价数", _f("rated"), "int"),
    Column("差评(≤2分)", _f("low_ratings"), "int"), Column("巡查天数", _f("patrol_days"), "int"),
    Column("工作日", _f("working_days"), "int"), Column("应到会议", _f("expected"), "int"),
    Column("实到", _f("attended"), "int"), Column("出勤率", _f("attendance_rate"), "pct"),
    Column("得分", lambda r: r.score, "dec"),
]
GRID_COLUMNS = [RANK, Column("网格编码", lambda r: r.subject.key),
                Column("网格", lambda r: r.subject.name),
                Column("网格长", lambda r: r.subject.detail), *COMMON]
LEADER_COLUMNS = [RANK, Column("账号", lambda r: r.subject.key),
                  Column("网格长", lambda r: r.subject.name),
                  Column("负责网格", lambda r: r.subject.detail), *COMMON[:7],
                  Column("年累计差评", _f("low_ratings_year"), "int"), *COMMON[7:],
                  Column("提示", lambda r: f"年累计差评{FLAG_AT}次以上" if r.flagged else "")]

KIND_LABELS = {"grid": "网格", "leader": "网格长"}
# The 考核 sheet puts both tables under one header row (so it can freeze and repeat on print).
SHEET_COLUMNS = [Column("类型", lambda r: KIND_LABELS[r.subject.kind]), RANK,
                 Column("编码/账号", lambda r: r.subject.key),
                 Column("名称", lambda r: r.subject.name),
                 Column("网格长/负责网格", lambda r: r.subject.detail), *LEADER_COLUMNS[4:]]

# The console shows fewer columns: the ones a leader reads at a glance.
_BRIEF = {"名次", "网格", "网格长", "负责网格", "案件量", "按时办结率", "平均办结工作日", "满意度",
          "差评(≤2分)", "年累计差评", "巡查天数", "出勤率", "得分", "提示"}


def text_value(column: Column, row: RankRow) -> str:
    """The value as the console shows it (— where there is nothing to measure)."""
    value = column.value(row)
    if value is None:
        return "—"
    if column.kind == "pct":
        return f"{value:.0%}"
    if column.kind == "dec":
        return f"{value:.1f}"
    if column.header == "巡查天数":
        return f"{value}/{row.subject.figures.working_days}"
    return str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def text_table(columns: list[Column], rows: list[RankRow]) -> list[str]:
    """Aligned lines (CJK characters count double) of the brief columns."""
    shown = [c for c in columns if c.header in _BRIEF]
    cells = [[c.header for c in shown]] + [[text_value(c, r) for c in shown] for r in rows]
    widths = [max(_width(line[i]) for line in cells) for i in range(len(shown))]
    right = [c.kind != "text" for c in shown]
    return ["  ".join(_pad(v, w, rt) for v, w, rt in zip(line, widths, right, strict=True)).rstrip()
            for line in cells]


def ranking_lines(ranking: Ranking) -> list[str]:
    """考核排名 as text: the grid table, the leader table, the flagged leaders."""
    names = {"on_time": "按时办结率", "satisfaction": "满意度", "patrol": "巡查覆盖",
             "speed": "办结时效", "attendance": "会议出勤"}
    weights = " ".join(f"{names[n]}{w}" for n, w in WEIGHTS)
    lines = [f"考核排名 {ranking.label} {ranking.period.label}"
             f"（截至 {ranking.as_of:%Y-%m-%d %H:%M}）",
             f"得分（百分制）：{weights}；本期差评每件扣{LOW_RATING_PENALTY:g}分",
             "", "【网格排名】"]
    lines += text_table(GRID_COLUMNS, ranking.grids) if ranking.grids else ["（没有网格）"]
    lines += ["", "【网格长排名】"]
    lines += text_table(LEADER_COLUMNS, ranking.leaders) if ranking.leaders else ["（没有网格长）"]
    flagged = [r for r in ranking.leaders if r.flagged]
    if flagged:
        lines += ["", f"⚠ 年累计差评{FLAG_AT}次以上（制度11）："
                  + "、".join(f"{r.subject.name}（{r.subject.figures.low_ratings_year}次）"
                             for r in flagged)]
    return lines
