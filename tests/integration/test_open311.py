"""The Open311 GeoReport v2 API on a real database: services, posting, searching, privacy."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import insert, select

from bot.app import create_app
from bot.nlp import load
from core.actors import staff
from core.cases.flow import claim_case, resolve_case, verify_case
from core.cases.models import Case, CaseEvent
from core.cases.policy import CATEGORIES
from core.open311.models import AddressPoint, ApiRequest
from core.open311.records import DEFAULT_DAYS, MAX_RECORDS, Search, search_requests
from core.open311.submit import client_id
from core.outbox import Notification

pytestmark = pytest.mark.usefixtures("town")
KEY = "key-for-tests-1"
BASE = "/open311/v2"
RUBBISH = "阳光花园3栋楼下垃圾堆了三天没人清理，臭气熏天"
# A valid ID number (its check digit is right), a mobile number, a name and a room.
ID_NUMBER = "110101199003071233"
PHONE = "13912345678"
PII_TEXT = (f"我是张伟，电话{PHONE}，身份证{ID_NUMBER}，住阳光花园2栋3单元502室，"
            "楼道里堆满了杂物，消防通道被堵住了")


@pytest.fixture
def settings(settings):
    return settings.with_overrides(OPEN311_API_KEYS=f"{KEY}, second-key")


def post(client, **fields):
    fields.setdefault("api_key", KEY)
    return client.post(f"{BASE}/requests.json", data=fields)


def filed(client, **fields) -> str:
    resp = post(client, **fields)
    assert resp.status_code == 201, resp.json
    return resp.json[0]["service_request_id"]


def case_of(uow, code: str) -> Case:
    with uow() as tx:
        case = tx.session.scalar(select(Case).where(Case.code == code))
        _ = (case.events, case.grid, case.assignee, case.merged_into)
        return case


def error_of(resp, status: int) -> str:
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    body = resp.json
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    return body[0]["description"]


# -- services -------------------------------------------------------------------------------------
def test_service_list_is_the_thirteen_categories(client):
    resp = client.get(f"{BASE}/services.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    services = resp.json
    assert [s["service_code"] for s in services] == list(CATEGORIES)
    tables = {t.code: t.keywords for t in load().tables.categories}
    for s in services:
        assert s["metadata"] is False and s["type"] == "realtime"
        assert s["service_name"] and s["description"] and s["group"]
        words = s["keywords"].split(",")
        assert 1 <= len(words) <= 10
        assert all(w in tables[s["service_code"]] for w in words), s
    env = next(s for s in services if s["service_code"] == "env")
    assert env["service_name"] == "环境卫生"


def test_service_definition_and_unknown_code(client):
    resp = client.get(f"{BASE}/services/safety.json")
    assert resp.status_code == 200
    assert resp.json == {"service_code": "safety", "attributes": []}
    error_of(client.get(f"{BASE}/services/rubbish.json"), 404)


# -- posting: keys and parameters --------------------------------------------------------------
def test_posting_needs_a_configured_key(client, settings, clock):
    assert filed(client, description=RUBBISH, address_string="阳光花园3栋")
    assert error_of(post(client, api_key="wrong", description=RUBBISH, address_string="阳光花园"),
                    403) == "api_key 无效"
    resp = client.post(f"{BASE}/requests.json", data={"description": RUBBISH, "address_string": "阳光花园"})
    assert error_of(resp, 403) == "缺少 api_key"
    assert post(client, api_key="second-key", description="和平新村路灯坏了",
                address_string="和平新村").status_code == 201
    closed = create_app(settings.with_overrides(OPEN311_API_KEYS=" , "), clock=clock)
    try:
        resp = post(closed.test_client(), description=RUBBISH, address_string="阳光花园")
        assert "OPEN311_API_KEYS" in error_of(resp, 403)
    finally:
        closed.extensions["wanggetong"].engine.dispose()


def test_key_never_lands_in_the_ledger(client, uow):
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    case = case_of(uow, code)
    assert case.events[0].actor == f"api:{client_id(KEY)}"
    with uow() as tx:
        dump = json.dumps([[e.actor, e.note, e.data] for e in tx.session.scalars(select(CaseEvent))],
                          ensure_ascii=False)
    assert KEY not in dump


@pytest.mark.parametrize("fields, reason", [
    ({"address_string": "阳光花园3栋"}, "description"),
    ({"description": "   ", "address_string": "阳光花园3栋"}, "description"),
    ({"description": RUBBISH}, "lat"),
    ({"description": RUBBISH, "lat": "31.2"}, "lat"),
    ({"description": RUBBISH, "address_string": " \t"}, "lat"),
    ({"description": RUBBISH, "lat": "north", "long": "121.5"}, "lat"),
    ({"description": RUBBISH, "lat": "91", "long": "121.5"}, "lat"),
    ({"description": RUBBISH, "lat": "31.2", "long": "nan"}, "long"),
    ({"description": RUBBISH, "lat": "31.2", "long": "1e400"}, "long"),
    ({"description": "x" * 2001, "address_string": "阳光花园"}, "description"),
])
def test_bad_posts_are_400(client, uow, fields, reason):
    assert reason in error_of(post(client, **fields), 400)
    with uow() as tx:
        assert tx.session.scalar(select(Case)) is None


def test_json_body_is_accepted_and_strict_about_types(client):
    resp = client.post(f"{BASE}/requests.json", json={
        "api_key": KEY, "description": RUBBISH, "lat": 31.2, "long": 121.5})
    assert resp.status_code == 201
    resp = client.post(f"{BASE}/requests.json", json={
        "api_key": KEY, "description": RUBBISH, "lat": "31.2", "long": 121.5})
    error_of(resp, 400)
    error_of(client.post(f"{BASE}/requests.json", json=["not", "an", "object"]), 400)
    error_of(client.post(f"{BASE}/requests.json", data="{broken", content_type="application/json"), 400)


# -- posting: classification, routing, the ledger -------------------------------------------------
def test_given_service_code_wins_over_the_classifier(client, uow):
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋", service_code="property")
    case = case_of(uow, code)
    assert case.category == "property" and case.status == "dispatched"


def test_without_a_valid_code_the_description_is_classified(client, uow):
    a = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    b = filed(client, description="和平新村门口的井盖丢了，晚上很危险", address_string="和平新村",
              service_code="no-such-service")
    assert case_of(uow, a).category == "env"
    assert case_of(uow, b).category in {"facility", "safety"}


def test_address_string_routes_to_the_grid_of_the_building(client, uow):
    resp = post(client, description=RUBBISH.replace("3栋", ""), address_string="阳光花园5栋")
    code = resp.json[0]["service_request_id"]
    case = case_of(uow, code)
    assert (case.grid.code, case.status, case.assignee.wecom_userid) == ("G02", "dispatched", "leader2")
    assert "幸福社区第二网格" in resp.json[0]["service_notice"]
    assert case.deadline is not None


def test_coordinates_route_by_the_nearest_point(client, runner, uow, tmp_path):
    sheet = tmp_path / "points.csv"
    sheet.write_text("小区,楼栋,纬度,经度\n和平新村,,31.2300,121.4700\n阳光花园,1栋,31.2400,121.4800\n",
                     encoding="utf-8")
    result = runner.invoke(args=["open311", "points", str(sheet)])
    assert result.exit_code == 0, result.output
    with uow() as tx:
        assert len(list(tx.session.scalars(select(AddressPoint)))) == 2
    near = filed(client, description="小区门口路灯不亮", lat="31.2310", long="121.4705")  # ≈ 120 m
    case = case_of(uow, near)
    assert case.grid.code == "G03" and case.address.startswith("和平新村")
    far = post(client, description="小区门口路灯不亮", lat="31.30", long="121.47")  # ≈ 7.8 km
    assert "分拣" in far.json[0]["service_notice"]
    assert case_of(uow, far.json[0]["service_request_id"]).grid is None
    with uow() as tx:
        row = tx.session.get(ApiRequest, case.id)
        assert (row.latitude, row.longitude, row.client) == (31.231, 121.4705, client_id(KEY))


def test_points_file_with_a_bad_row_imports_nothing(runner, uow, tmp_path):
    sheet = tmp_path / "points.csv"
    sheet.write_text("小区,楼栋,纬度,经度\n和平新村,,31.23,121.47\n无名小区,,31.2,121.4\n阳光花园,1栋,95,121\n",
                     encoding="utf-8")
    result = runner.invoke(args=["open311", "points", str(sheet)])
    assert result.exit_code != 0
    assert "第3行" in result.output and "第4行" in result.output
    with uow() as tx:
        assert tx.session.scalar(select(AddressPoint)) is None


def test_the_case_is_made_as_a_message_report_makes_it(client, uow, runner):
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    shown = json.loads(runner.invoke(args=["cases", "show", code]).output)
    assert (shown["channel"], shown["grid"], shown["assignee"]) == ("open311", "G01", "leader1")
    case = case_of(uow, code)
    assert case.channel == "open311" and case.reporter_openid is None
    assert [e.action for e in case.events] == ["report", "accept", "dispatch"]
    assert case.events[0].data["category"] == "env" and "Open311" in case.events[0].note
    with uow() as tx:
        pushes = list(tx.session.scalars(select(Notification).where(Notification.case_id == case.id)))
    assert {(p.channel, p.recipient, p.kind) for p in pushes} == {("wecom", "leader1", "dispatch")}


def test_urgent_words_alert_at_once_and_advise_calling(client, uow):
    resp = post(client, description="和平新村5栋厨房燃气泄漏，味道很大", address_string="和平新村")
    assert "119" in resp.json[0]["service_notice"]
    case = case_of(uow, resp.json[0]["service_request_id"])
    assert case.urgent
    with uow() as tx:
        urgent = {p.recipient for p in tx.session.scalars(
            select(Notification).where(Notification.kind == "urgent"))}
    assert urgent == {"leader3", "manager2"}


def test_a_repeated_post_is_merged_into_the_open_case(client, uow, clock):
    first = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    clock.advance(hours=2)
    resp = post(client, description=RUBBISH, address_string="阳光花园3栋")
    assert resp.status_code == 201
    assert resp.json[0]["service_request_id"] == first and "合并" in resp.json[0]["service_notice"]
    with uow() as tx:
        dup = tx.session.scalar(select(Case).where(Case.code != first))
        assert (dup.status, dup.reject_reason, dup.merged_into.code) == ("rejected", "duplicate", first)
    listed = client.get(f"{BASE}/requests.json").json
    assert [r["service_request_id"] for r in listed] == [first]
    one = client.get(f"{BASE}/requests/{dup.code}.json").json[0]
    assert one["status"] == "closed" and first in one["status_notes"]


# -- searching ------------------------------------------------------------------------------------
def test_request_record_fields(client, uow):
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋", lat="31.24123", long="121.48456")
    resp = client.get(f"{BASE}/requests/{code}.json")
    assert resp.status_code == 200
    [record] = resp.json
    assert record["service_request_id"] == code and record["status"] == "open"
    assert (record["service_code"], record["service_name"]) == ("env", "环境卫生")
    assert record["agency_responsible"] == "幸福社区第一网格"
    assert record["requested_datetime"] == "2026-11-26T10:00:00+08:00"
    assert record["expected_datetime"] == "2026-12-01T10:00:00+08:00"  # 3 working days
    assert record["address"] == "阳光花园" and record["address_id"]
    assert (record["lat"], record["long"]) == (31.241, 121.485)  # rounded to about 100 m
    assert record["status_notes"].startswith("已派遣")


def test_default_window_is_ninety_days(client, clock):
    old = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    clock.advance(days=DEFAULT_DAYS + 1)
    new = filed(client, description="和平新村垃圾桶满了没人清", address_string="和平新村")
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json] == [new]
    listed = client.get(f"{BASE}/requests.json", query_string={"start_date": "2026-11-01"}).json
    assert [r["service_request_id"] for r in listed] == [new, old]
    until = client.get(f"{BASE}/requests.json", query_string={"end_date": "2026-11-26"}).json
    assert [r["service_request_id"] for r in until] == [old]


def test_at_most_a_thousand_records(client, uow, clock):
    now = clock.now()
    rows = [{"code": f"GR20261126{i:04d}", "status": "reported", "category": "other", "level": "grid",
             "description": f"测试{i}", "address": "", "channel": "open311", "reported_at": now,
             "updated_at": now, "urgent": False, "department": "", "extension_reason": "",
             "external_ticket": "", "reject_reason": "", "rating_note": ""}
            for i in range(1, MAX_RECORDS + 6)]
    with uow() as tx:
        tx.session.execute(insert(Case), rows)
    listed = client.get(f"{BASE}/requests.json").json
    assert len(listed) == MAX_RECORDS == 1000
    with uow() as tx:
        assert len(search_requests(tx, Search(limit=3))) == 3


def test_filters(client, uow):
    env = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    lamp = filed(client, description="和平新村门口路灯坏了好几天", address_string="和平新村",
                 service_code="facility")
    pet = filed(client, description="楼上邻居养狗天天叫，沟通了也没用", address_string="阳光花园5栋",
                service_code="dispute")

    def ids(**query) -> list[str]:
        resp = client.get(f"{BASE}/requests.json", query_string=query)
        assert resp.status_code == 200, resp.json
        return [r["service_request_id"] for r in resp.json]

    assert ids() == [pet, lamp, env]
    assert ids(service_code="facility") == [lamp]
    assert ids(service_code="facility,env") == [lamp, env]
    assert ids(service_request_id=f"{env},{pet.lower()},GR209901010001,junk") == [pet, env]
    assert ids(service_request_id="junk") == []
    assert ids(status="open") == [pet, lamp, env] and ids(status="closed") == []
    assert ids(status="open,closed") == [pet, lamp, env]
    assert ids(start_date="2026-11-26T10:00:00+08:00", end_date="2026-11-26T02:00:00Z") == [pet, lamp, env]
    assert ids(start_date="2026-11-26T10:00:01+08:00") == []
    assert ids(end_date="2026-11-25") == []


@pytest.mark.parametrize("query", [
    {"start_date": "yesterday"}, {"end_date": "2026-13-01"}, {"start_date": "2026-11-26T25:00:00Z"},
    {"start_date": ""}, {"status": "pending"}, {"status": "OPEN"}, {"service_code": "rubbish"},
])
def test_bad_search_parameters_are_400(client, query):
    error_of(client.get(f"{BASE}/requests.json", query_string=query), 400)


def test_unknown_ids_and_routes_are_404_json(client):
    error_of(client.get(f"{BASE}/requests/GR209901010001.json"), 404)
    error_of(client.get(f"{BASE}/requests/whatever.json"), 404)
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    error_of(client.get(f"{BASE}/requests/{code},{code}.json"), 404)
    assert client.get(f"{BASE}/requests/{code.lower()}.json").json[0]["service_request_id"] == code
    error_of(client.get(f"{BASE}/requests.xml"), 404)
    error_of(client.get("/open311/v3/services.json"), 404)
    error_of(client.get("/open311/"), 404)
    resp = client.delete(f"{BASE}/services.json")
    error_of(resp, 405)
    assert "GET" in resp.headers["Allow"]
    assert client.get("/no-such-page").mimetype == "text/html"  # the rest of the site is untouched


def test_status_closes_when_the_case_is_closed_through_the_core(client, uow, clock):
    code = filed(client, description=RUBBISH, address_string="阳光花园3栋")
    clock.advance(hours=3)
    with uow() as tx:
        claim_case(tx, staff("leader1"), code)
        resolve_case(tx, staff("leader1"), code, f"已清运，联系人李强（{PHONE}）已确认")
    [record] = client.get(f"{BASE}/requests/{code}.json").json
    assert record["status"] == "open" and record["status_notes"].startswith("已办结待核查")
    assert PHONE not in record["status_notes"] and "李强" not in record["status_notes"]
    with uow() as tx:
        verify_case(tx, staff("manager1"), code, passed=True, note="现场已核实")
    [record] = client.get(f"{BASE}/requests/{code}.json").json
    assert record["status"] == "closed" and record["status_notes"] == "已结案：现场已核实"
    assert record["updated_datetime"] == (clock.now()).isoformat()
    assert [r["service_request_id"] for r in
            client.get(f"{BASE}/requests.json", query_string={"status": "closed"}).json] == [code]
    assert client.get(f"{BASE}/requests.json", query_string={"status": "open"}).json == []


# -- privacy --------------------------------------------------------------------------------------
def test_no_personal_data_in_any_answer(client, uow, clock):
    resp = post(client, description=PII_TEXT, address_string="阳光花园2栋3单元502室",
                email="zhangwei@example.com", first_name="伟", last_name="张", phone=PHONE)
    assert resp.status_code == 201
    code = resp.json[0]["service_request_id"]
    clock.advance(minutes=5)
    again = post(client, description=PII_TEXT, lat="31.2", long="121.5", phone="13700001111",
                 email="zhangwei@example.com")
    answers = [resp, again, client.get(f"{BASE}/requests.json"),
               client.get(f"{BASE}/requests/{code}.json"),
               client.get(f"{BASE}/requests.json", query_string={"service_request_id": code})]
    text = "".join(a.get_data(as_text=True) for a in answers)
    decoded = json.dumps([a.json for a in answers], ensure_ascii=False)
    for secret in (PHONE, ID_NUMBER, "张伟", "502", "zhangwei", "13700001111", KEY):
        assert secret not in text and secret not in decoded, secret
    [record] = answers[3].json
    assert record["address"] == "阳光花园"
    assert "消防通道" in record["description"]  # masked, not blanked
    with uow() as tx:  # nothing personal is kept beyond what the resident wrote in the text
        row = tx.session.scalar(select(ApiRequest))
        assert "zhangwei" not in json.dumps([row.client, row.latitude, row.longitude])


def test_digits_the_masker_misses_are_cut_anyway(client):
    code = filed(client, description="和平新村有人贴小广告，号码 1234567890123 到处都是",
                 address_string="和平新村")
    [record] = client.get(f"{BASE}/requests/{code}.json").json
    assert "1234567890123" not in record["description"] and "123****23" in record["description"]


def test_openapi_document_is_served(client):
    resp = client.get(f"{BASE}/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {"/services.json", "/services/{service_code}.json",
                                 "/requests.json", "/requests/{service_request_id}.json"}



def test_each_key_is_held_to_its_rate(settings, clock, uow, redis_url):
    """A key over OPEN311_RATE_BURST gets 429 with Retry-After and nothing is filed for it;
    another key goes on (Redis when TEST_REDIS_URL is set, else the process's own table)."""
    app = create_app(settings.with_overrides(OPEN311_RATE_PER_MINUTE=1, OPEN311_RATE_BURST=2),
                     clock=clock)
    client = app.test_client()
    try:
        codes = [filed(client, description=RUBBISH, address_string="阳光花园3栋") for _ in range(2)]
        resp = post(client, description="小区门口的路灯坏了好几天", address_string="阳光花园3栋")
        assert "频繁" in error_of(resp, 429)
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
        assert filed(client, api_key="second-key", description="小区门口的路灯坏了好几天",
                      address_string="阳光花园3栋")
    finally:
        app.extensions["wanggetong"].engine.dispose()
    with uow() as tx:
        described = tx.session.scalars(select(Case.description)).all()
    assert described.count("小区门口的路灯坏了好几天") == 1 and codes


def test_the_rate_can_be_turned_off(settings, clock):
    app = create_app(settings.with_overrides(OPEN311_RATE_PER_MINUTE=0), clock=clock)
    try:
        client = app.test_client()
        for _ in range(5):
            assert post(client, description=RUBBISH, address_string="阳光花园3栋").status_code == 201
    finally:
        app.extensions["wanggetong"].engine.dispose()
