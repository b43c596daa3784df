"""考核排名 on a real database: a small hand-computed month, the quarter, the ≤2 flag, the CLI.

Every case is built through the core's flow functions with the fixed clock moved between
steps; the expected figures below are worked out by hand from the story (November 2026 has
21 working days, October 18 — the National Day week is off and Saturday 10 October is 调休).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from core.actors import resident, staff
from core.assessment import ranking
from core.assessment.period import month_period, parse_month, parse_quarter, quarter_period
from core.cases.flow import reopen_case, resolve_case, verify_case
from core.cases.queries import get_case
from core.cases.report import ReportInput, rate_case, report_case
from core.clock import SHANGHAI
from core.errors import InvalidInput, NotFound
from core.reminders.announce import announce, make_up
from core.reminders.attendance import check_in, leave_for_meeting
from core.worklog import patrol

pytestmark = pytest.mark.usefixtures("town")


def t(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def report(uow, clock, at: datetime, text: str, who: str, category: str = "env") -> str:
    clock.set(at)
    with uow() as tx:
        return report_case(tx, resident(who), ReportInput(description=text, category=category)
                           ).case.code


def close(uow, clock, code: str, resolved: datetime, verified: datetime,
          leader: str = "leader1") -> None:
    clock.set(resolved)
    with uow() as tx:
        resolve_case(tx, staff(leader), code, "已处理完毕")
    clock.set(verified)
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True)


def rate(uow, clock, code: str, who: str, score: int, at: datetime) -> None:
    clock.set(at)
    with uow() as tx:
        rate_case(tx, resident(who), code, score)


def walk(uow, clock, userid: str, at: datetime, text: str = "巡查阳光花园无异常") -> None:
    clock.set(at)
    with uow() as tx:
        patrol(tx, staff(userid), text, category="other")


def november(uow, clock) -> dict[str, str]:
    """The story of the month (and the end of October) in C01, plus one case in C02."""
    codes = {}
    # F: G01, October: reported Wed 28th, resolved 29th, closed 30th (2 wd, on time), rated 1.
    codes["F"] = report(uow, clock, t(10, 28), "阳光花园1栋门口污水横流", "o-f")
    close(uow, clock, codes["F"], t(10, 29), t(10, 30))
    rate(uow, clock, codes["F"], "o-f", 1, t(10, 30, 11))
    walk(uow, clock, "leader1", t(10, 30, 16))
    # A: G01, reported Mon 2 Nov, closed Wed 4th (2 wd, on time), rated 5.
    codes["A"] = report(uow, clock, t(11, 2), "阳光花园1栋楼下垃圾堆积", "o-a")
    close(uow, clock, codes["A"], t(11, 4), t(11, 4, 15))
    rate(uow, clock, codes["A"], "o-a", 5, t(11, 4, 16))
    # B: G01 property, reported Mon 9th (due Thu 12th 09:00), resolved Fri 13th (late),
    # closed Mon 16th: 5 wd, not on time, rated 2.
    codes["B"] = report(uow, clock, t(11, 9, 9), "阳光花园2栋小区绿化带无人修剪", "o-b",
                        category="property")
    close(uow, clock, codes["B"], t(11, 13), t(11, 16, 9))
    rate(uow, clock, codes["B"], "o-b", 2, t(11, 16, 10))
    # C: G02, reported Tue 10th, closed Wed 11th (1 wd, on time), rated 1.
    codes["C"] = report(uow, clock, t(11, 10), "阳光花园4栋楼下垃圾桶满了没人清", "o-c")
    close(uow, clock, codes["C"], t(11, 11), t(11, 11, 11), leader="leader2")
    rate(uow, clock, codes["C"], "o-c", 1, t(11, 11, 12))
    # D: G01, reported Fri 20th, still open; E repeats it a minute later and is merged.
    codes["D"] = report(uow, clock, t(11, 20), "阳光花园3栋楼道堆满杂物和纸箱", "o-d")
    codes["E"] = report(uow, clock, t(11, 20, 10, 1), "阳光花园3栋楼道堆满杂物和纸箱", "o-e")
    # G: C02 — never in C01's figures.
    codes["G"] = report(uow, clock, t(11, 12), "和平新村楼下垃圾堆积", "o-g")
    # Patrols: leader1 on 2, 3 (twice), 7 (a Saturday still counts) Nov; member1 on 3 and 5;
    # leader2 on 10.
    for userid, at in (("leader1", t(11, 2, 16)), ("leader1", t(11, 3, 9)),
                       ("leader1", t(11, 3, 17)), ("leader1", t(11, 7, 9)),
                       ("member1", t(11, 3, 11)), ("member1", t(11, 5, 11)),
                       ("leader2", t(11, 10, 16))):
        walk(uow, clock, userid, at)
    # A meeting on 18 Nov 14:00: leader1 signs in, leader2 on leave, member1 absent.
    clock.set(t(11, 16, 12))
    with uow() as tx:
        announce(tx, staff("manager1"), "meeting", "网格工作推进会", t(11, 18, 14))
        training, _ = announce(tx, staff("manager1"), "training", "平台操作培训", t(11, 25, 9))
    clock.set(t(11, 17, 9))
    with uow() as tx:
        leave_for_meeting(tx, staff("leader2"), "带老人看病")
    clock.set(t(11, 18, 14, 5))
    with uow() as tx:
        check_in(tx, staff("leader1"))
    # The training on 25 Nov 09:00: leader2 and member1 sign in, leader1 makes it up later.
    clock.set(t(11, 25, 8, 50))
    with uow() as tx:
        check_in(tx, staff("leader2"))
        check_in(tx, staff("member1"))
    clock.set(t(11, 26, 15))
    with uow() as tx:
        make_up(tx, staff("leader1"), training.id)
    return codes


def test_month_figures_and_rank_by_hand(uow, clock):
    codes = november(uow, clock)
    clock.set(t(12, 1, 9))
    with uow() as tx:
        result = ranking(tx, parse_month("2026-11"), "C01")
    with uow() as tx:
        assert get_case(tx.session, codes["E"]).merged_into.code == codes["D"]
    assert result.label == "幸福社区" and result.period.label == "2026年11月"
    grids = {r.subject.key: r for r in result.grids}
    assert set(grids) == {"G01", "G02"}  # G03 is in C02
    g01, g02 = grids["G01"].subject.figures, grids["G02"].subject.figures
    # G01: A, B, D reported (E merged into D is not counted); A and B closed, A on time.
    assert (g01.reported, g01.closed, g01.on_time) == (3, 2, 1)
    assert g01.on_time_rate == 0.5 and g01.average_days == 3.5  # (2 + 5) / 2
    assert (g01.rated, g01.average_rating, g01.low_ratings, g01.low_ratings_year) == (2, 3.5, 1, 2)
    assert (g01.patrol_days, g01.working_days) == (4, 21)  # 2, 3, 5, 7 Nov
    assert (g01.expected, g01.attended) == (4, 3)  # leader1 2/2, member1 1/2
    assert (g02.reported, g02.closed, g02.on_time, g02.average_days) == (1, 1, 1, 1.0)
    assert (g02.average_rating, g02.low_ratings, g02.patrol_days) == (1.0, 1, 1)
    assert (g02.expected, g02.attended) == (2, 1)  # leave is not attendance
    # Scores: 40·on-time + 25·(rating−1)/4 + 15·patrol days/21 + 10·(1 − days/6)
    # + 10·attendance, minus 2 per low rating.
    # G01: 20 + 15.625 + 2.857 + 4.167 + 7.5 − 2 = 48.1; G02: 40 + 0 + 0.714 + 8.333 + 5 − 2 = 52.0
    assert [(r.rank, r.subject.key, r.score) for r in result.grids] == [
        (1, "G02", 52.0), (2, "G01", 48.1)]
    assert grids["G01"].subject.detail == "王网格长"
    leaders = {r.subject.key: r for r in result.leaders}
    one, two = leaders["leader1"].subject.figures, leaders["leader2"].subject.figures
    assert (one.reported, one.closed, one.patrol_days, one.expected, one.attended) == (3, 2, 3, 2, 2)
    assert (two.reported, two.patrol_days, two.expected, two.attended) == (1, 1, 2, 1)
    # leader1: 20 + 15.625 + 15·3/21 + 4.167 + 10 − 2 = 49.9; leader2 = G02's figures = 52.0
    assert [(r.rank, r.subject.key, r.score) for r in result.leaders] == [
        (1, "leader2", 52.0), (2, "leader1", 49.9)]
    assert not any(r.flagged for r in result.leaders)


def test_quarter_is_the_three_months_together(uow, clock):
    november(uow, clock)
    clock.set(t(12, 1, 9))
    with uow() as tx:
        quarter = ranking(tx, parse_quarter("2026Q4"), "C01")
        october = ranking(tx, month_period(2026, 10), "C01")
    g01 = next(r.subject.figures for r in quarter.grids if r.subject.key == "G01")
    # F joins A, B, D: 3 closed (A, F on time), 2 + 5 + 2 = 9 working days, ratings 5, 2, 1.
    assert (g01.reported, g01.closed, g01.on_time, g01.close_days) == (4, 3, 2, 9)
    assert (g01.rated, g01.rating_sum, g01.low_ratings, g01.low_ratings_year) == (3, 8, 2, 2)
    # Patrol days 30 Oct + 2, 3, 5, 7 Nov; working days 18 (Oct) + 21 (Nov) + 1 Dec so far.
    assert (g01.patrol_days, g01.working_days) == (5, 40)
    oct_g01 = next(r.subject.figures for r in october.grids if r.subject.key == "G01")
    assert (oct_g01.reported, oct_g01.closed, oct_g01.low_ratings, oct_g01.working_days) == (1, 1, 1, 18)
    assert quarter.period.label == "2026年第四季度" and quarter.period.key == "2026Q4"


def test_four_low_ratings_in_a_year_flag_the_leader(uow, clock):
    """制度11: 不满意年累计四次以上 — counted from the ledger, so a reopened case still counts."""
    def low_case(start: datetime, who: str, text: str, score: int = 1) -> str:
        code = report(uow, clock, start, text, who)
        close(uow, clock, code, start.replace(hour=15), start.replace(hour=16), leader="leader2")
        rate(uow, clock, code, who, score, start.replace(hour=17))
        return code

    low_case(t(12, 2, year=2025), "o-1", "阳光花园4栋垃圾没人收")  # last year: not counted
    low_case(t(3, 3), "o-2", "阳光花园5栋门口污水")
    low_case(t(6, 2), "o-3", "阳光花园6栋楼下垃圾堆积")
    low_case(t(7, 7), "o-4", "阳光花园4栋绿化带有死老鼠", score=3)  # 3 is not a low rating
    reopened = low_case(t(9, 8), "o-5", "阳光花园5栋垃圾房臭气熏天")
    clock.set(t(9, 9))
    with uow() as tx:
        reopen_case(tx, staff("manager1"), reopened, "居民不满意，重新清理")
    close(uow, clock, reopened, t(9, 10), t(9, 10, 11), leader="leader2")
    rate(uow, clock, reopened, "o-5", 4, t(9, 10, 12))
    clock.set(t(10, 1, 9))
    with uow() as tx:
        september = ranking(tx, month_period(2026, 9), "C01")
    two = next(r for r in september.leaders if r.subject.key == "leader2")
    assert two.subject.figures.low_ratings_year == 3 and not two.flagged
    assert two.subject.figures.low_ratings == 1  # the 1 given on 8 Sep; the later 4 is not low
    low_case(t(11, 3), "o-6", "阳光花园6栋门口垃圾没清")
    clock.set(t(11, 30, 18))
    with uow() as tx:
        result = ranking(tx, month_period(2026, 11), "C01")
    rows = {r.subject.key: r for r in result.leaders}
    assert rows["leader2"].subject.figures.low_ratings_year == 4 and rows["leader2"].flagged
    assert not rows["leader1"].flagged
    assert not any(r.flagged for r in result.grids)  # people are flagged, not grids


def test_flag_in_the_printed_ranking(uow, clock, runner):
    for month, building, who in ((3, 4, "o-1"), (5, 5, "o-2"), (7, 6, "o-3"), (11, 4, "o-4")):
        code = report(uow, clock, t(month, 3), f"阳光花园{building}栋门口垃圾没人收", who)
        close(uow, clock, code, t(month, 3, 15), t(month, 3, 16), leader="leader2")
        rate(uow, clock, code, who, 2, t(month, 3, 17))
    clock.set(t(11, 30, 18))
    result = runner.invoke(args=["digest", "--ranking", "--community", "C01"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "⚠ 年累计差评4次以上（制度11）：赵网格长（4次）"
    leader2 = next(line for line in result.output.splitlines() if line.split()[1:2] == ["赵网格长"])
    assert leader2.endswith("年累计差评4次以上")


def test_ties_are_broken_by_code_and_all_communities_are_ranked(uow, clock):
    clock.set(t(11, 30, 18))
    with uow() as tx:
        result = ranking(tx, month_period(2026, 11))
    # Nothing happened: every grid has the same score (patrol 0, nothing else to measure).
    assert [(r.rank, r.subject.key, r.score) for r in result.grids] == [
        (1, "G01", 0.0), (2, "G02", 0.0), (3, "G03", 0.0)]
    assert result.label == "全部社区"
    assert [r.subject.key for r in result.leaders] == ["leader1", "leader2", "leader3"]


def test_periods_are_checked():
    assert parse_month("2026-11").start == t(11, 1, 0)
    assert parse_month("2026-12").end == t(1, 1, 0, year=2027)
    assert quarter_period(2026, 1).end == t(4, 1, 0)
    for bad in ("2026-13", "2026/11", "", "11-2026"):
        with pytest.raises(InvalidInput):
            parse_month(bad)
    for bad in ("2026Q5", "2026-Q4", "Q4"):
        with pytest.raises(InvalidInput):
            parse_quarter(bad)


def test_unknown_community_is_refused(uow):
    with uow() as tx, pytest.raises(NotFound):
        ranking(tx, month_period(2026, 11), "G01")


def test_flask_digest_ranking(uow, clock, runner):
    november(uow, clock)
    clock.set(t(12, 1, 9))
    result = runner.invoke(args=["digest", "--ranking", "--month", "2026-11", "--community", "C01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "考核排名 幸福社区 2026年11月（截至 2026-12-01 09:00）"
    grid_head = lines.index("【网格排名】")
    header = lines[grid_head + 1].split()
    assert header[:3] == ["名次", "网格", "网格长"] and header[-1] == "得分"
    first = lines[grid_head + 2].split()
    assert first[:3] == ["1", "幸福社区第二网格", "赵网格长"] and first[-1] == "52.0"
    assert "100%" in first and "1/21" in first
    leader_head = lines.index("【网格长排名】")
    assert lines[leader_head + 2].split()[:2] == ["1", "赵网格长"]
    quarter = runner.invoke(args=["digest", "--ranking", "--quarter", "2026Q4"])
    assert quarter.exit_code == 0 and "全部社区 2026年第四季度" in quarter.output
    assert "和平社区第一网格" in quarter.output
    for args in (["--month", "2026-13"], ["--quarter", "2026Q7"], ["--community", "C09"],
                 ["--month", "2026-11", "--quarter", "2026Q4"], ["--date", "2026-11-02"]):
        bad = runner.invoke(args=["digest", "--ranking", *args])
        assert bad.exit_code == 2, (args, bad.output)
        assert "Traceback" not in bad.output
    assert "C09" in runner.invoke(args=["digest", "--ranking", "--community", "C09"]).output
    assert runner.invoke(args=["digest"]).exit_code == 2  # the daily digest needs --community
