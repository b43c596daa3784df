"""考核得分与排名: a 100-point score from the figures, and a total order (一月一排名).

Weights (docs/ledger.md explains them): 按时办结率 40, 满意度 25, 巡查覆盖 15, 办结时效 10,
会议出勤 10. A part with nothing to measure (no case closed, no rating, no meeting) is left
out and the others are scaled up to 100, so a quiet grid is neither rewarded nor punished
for having no cases. Each 差评 (≤ 2) of the period then costs 2 points (floor 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.assessment.figures import Figures, Subject

WEIGHTS: tuple[tuple[str, int], ...] = (("on_time", 40), ("satisfaction", 25), ("patrol", 15),
                                        ("speed", 10), ("attendance", 10))
LOW_RATING_PENALTY = 2.0
FLAG_AT = 4  # 年累计不满意四次以上的格长 (制度11): flagged at 4 low ratings in the year


def _speed(f: Figures, limit_days: int) -> float | None:
    """1 for same-day closing, 0.5 at the time limit, 0 at twice the limit or slower."""
    if f.average_days is None:
        return None
    return max(0.0, 1.0 - f.average_days / (2 * limit_days))


def parts(f: Figures, limit_days: int) -> dict[str, float | None]:
    """Each scored part in [0, 1], or None when there is nothing to measure."""
    satisfaction = None if f.average_rating is None else (f.average_rating - 1) / 4
    return {"on_time": f.on_time_rate, "satisfaction": satisfaction, "patrol": f.patrol_rate,
            "speed": _speed(f, limit_days), "attendance": f.attendance_rate}


def score(f: Figures, limit_days: int) -> float:
    """The 100-point score, rounded to 0.1."""
    values = parts(f, limit_days)
    weight = sum(w for name, w in WEIGHTS if values[name] is not None)
    if not weight:
        return 0.0
    base = 100 * sum(w * (values[name] or 0.0) for name, w in WEIGHTS) / weight
    return round(max(0.0, base - LOW_RATING_PENALTY * f.low_ratings), 1)


@dataclass(frozen=True)
class RankRow:
    """One line of the ranking."""

    rank: int
    subject: Subject
    score: float

    @property
    def flagged(self) -> bool:
        """年累计差评 ≥ 4: only people are flagged (制度11 speaks of the 格长)."""
        return self.subject.kind == "leader" and self.subject.figures.low_ratings_year >= FLAG_AT


def order_key(subject: Subject, points: float) -> tuple:
    """Higher score first; ties: higher on-time rate, fewer 差评, more patrol days, then code."""
    f = subject.figures
    rate = f.on_time_rate if f.on_time_rate is not None else -1.0
    return (-points, -rate, f.low_ratings, -f.patrol_days, subject.key)


def rank(subjects: list[Subject], limit_days: int) -> list[RankRow]:
    """The subjects in rank order, ranks 1…n (never shared: the tie-breaks decide)."""
    scored = [(s, score(s.figures, limit_days)) for s in subjects]
    scored.sort(key=lambda sp: order_key(*sp))
    return [RankRow(i, s, p) for i, (s, p) in enumerate(scored, start=1)]
