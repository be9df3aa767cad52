"""Issue 17's security lines, probed against ``kepuri up`` as OS processes, as its reviewer did: the whole
platform started from the command line on free ports, seeded and staffed by the operator commands,
then attacked from outside over HTTP (see :mod:`tests.e2e.security_probes`). One platform serves the
module; each probe uses units and client addresses of its own, and the erasure probe, which stops the
platform to read its files, comes last.

Each probe fails if its protection is taken away: the limits are set small through ``up``'s environment
and each probe goes past them; memory is read from the service's own process (``/proc/PID/status``).
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import httpx
import jwt
import pytest

from harness.kepuri_up import kepuri_up
from services.analytics.exports.catalog import TABLES
from shared.events import from_record
from shared.events.topics import PARTICIPATION
from tests.e2e.erasure_support import files_holding, from_the_start
from tests.e2e.security_probes import (
    CAMPAIGN,
    KEPT_PHONE,
    PASSWORD,
    SERVICES,
    SETTINGS,
    WORKER_NAME,
    WORKER_PHONE,
    XLSX,
    Held,
    Platform,
    activity,
    at,
    bearer,
    held_activity,
    organizer,
    prepared,
    problem,
    throttled,
    unit,
    until,
)
from tests.e2e.test_http_hardening import BIG, HEADERS, POSTS, assert_refused, big_json
from tests.fixtures.spreadsheets import HOSTILE as FORMULAS
from tests.fixtures.spreadsheets import csv_values, read_back, xlsx_values
from tests.registration.test_sheets import good_row, workbook
from tests.registration.test_sheets_formulas import text_workbook
from tests.registration.test_sheets_hostile import HOSTILE as HOSTILE_SHEETS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    root = tmp_path_factory.mktemp("probes")
    with ExitStack() as stack:
        up = stack.enter_context(kepuri_up(root / "data", settings=SETTINGS, log_dir=root))
        yield prepared(Platform(up, root / "data", stack.close))


@pytest.fixture(scope="module")
async def held(platform: Platform) -> Held:
    return await held_activity(platform)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as http:
        yield http


# --- High: spreadsheet formula injection ------------------------------------------------------------


async def recommend(client: httpx.AsyncClient, platform: Platform, held: Held) -> set[str]:
    """The province recommends the hostile unit's activity (附件3) and the unit (附件2) with formula-like
    texts; the texts as review stored them."""
    review, province = platform.url("review"), platform.staff["shaanxi"]
    form = {"campaign_id": CAMPAIGN, "activity_id": held.activity_id, "reason": FORMULAS[3]}
    form |= {"main_content": FORMULAS[1], "contact_name": "王建国", "contact_phone": "13812345678"}
    form |= {"opinion": FORMULAS[0]}

    async def sent() -> httpx.Response | None:  # once review has seen the information completed
        answer = await client.post(f"{review}/api/v1/recommendations", json=form, headers=province)
        return answer if answer.status_code == 201 else None

    await until(sent)
    unit_form = {"campaign_id": CAMPAIGN, "unit_id": held.unit_id, "unit_level": "县级", "staff_count": 86}
    unit_form |= {"contact_name": FORMULAS[5][:20], "contact_phone": "13812345679", "deeds": FORMULAS[2]}
    unit_form |= {"opinion": FORMULAS[4]}

    async def unit_sent() -> httpx.Response | None:  # once review knows the unit
        answer = await client.post(f"{review}/api/v1/recommendations/units", json=unit_form, headers=province)
        return answer if answer.status_code == 201 else None

    await until(unit_sent)
    return {read_back(text.strip()) for text in FORMULAS[:5]}


async def test_no_export_of_any_service_holds_a_formula(
    platform: Platform, held: Held, client: httpx.AsyncClient
) -> None:
    registration, review, analytics = (platform.url(s) for s in ("registration", "review", "analytics"))
    admin = platform.staff["ops"]
    stored = held.stored
    names = {read_back(stored[k]) for k in ("name", "organizer", "address", "contact_name", "description")}
    assert {n[0] for n in names} == set("=+-@"), names  # what the API stored still starts like a formula
    seen: set[object] = set()

    for who in (held.organizer, admin):  # the 附件1 export: the unit's own, and all of them
        answer = await client.get(
            f"{registration}/api/v1/activities/export.xlsx", params={"campaign_id": CAMPAIGN}, headers=who
        )
        assert answer.status_code == 200, answer.text
        seen.update(xlsx_values(answer.content))
    assert names <= seen, names - seen

    typed = {"项目名称": FORMULAS[0], "负责人": FORMULAS[2][:20], "备注": FORMULAS[3]}  # cells typed as text
    lists = {"活动类别": "重点活动", "联合行动": "科普阵地联合行动", "活动主题": "人工智能", "面向人群": "社会公众"}
    rows = [good_row(1, **lists, **typed), good_row(2, **lists, 行政区划代码="=619999")]
    report = await client.post(
        f"{registration}/api/v1/activities/import",
        params={"campaign_id": CAMPAIGN, "format": "xlsx"},
        content=text_workbook(rows, []),
        headers={**held.organizer, "Content-Type": XLSX},
    )
    assert report.status_code == 200, report.text
    assert {*typed.values(), "=619999"} <= set(xlsx_values(report.content)), "the text comes back as text"

    texts = await recommend(client, platform, held)
    from_review: set[object] = set()
    for kind, form in ((None, "list"), ("activity", "附件3"), ("unit", "附件2"), ("activity", None), ("unit", None)):
        params = {
            "campaign": CAMPAIGN,
            "box": "all",
            **({"kind": kind} if kind else {}),
            **({"form": form} if form else {}),
        }
        answer = await client.get(f"{review}/api/v1/exports/recommendations.xlsx", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        from_review.update(xlsx_values(answer.content))
    assert texts <= from_review, texts - from_review

    async def in_analytics() -> bool:
        answer = await client.get(
            f"{analytics}/api/v1/exports/activities.csv", params={"campaign": CAMPAIGN}, headers=admin
        )
        return answer.status_code == 200 and stored["name"] in csv_values(answer.content)

    await until(in_analytics)
    from_analytics: set[object] = set()
    for table in TABLES:
        for suffix in ("csv", "xlsx"):
            answer = await client.get(
                f"{analytics}/api/v1/exports/{table}.{suffix}", params={"campaign": CAMPAIGN}, headers=admin
            )
            assert answer.status_code == 200, (table, answer.text)
            from_analytics.update(csv_values(answer.content) if suffix == "csv" else xlsx_values(answer.content))
    assert {stored["name"], stored["organizer"]} <= from_analytics


# --- High: tiny uploads that exhaust the registration process ---------------------------------------


async def test_hostile_uploads_are_refused_naming_the_limit_for_little_cpu_and_no_lasting_memory(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    token = await organizer(client, platform, "13912340002", "192.0.2.20", name="渭南市华州区科学技术协会")
    url = f"{platform.url('registration')}/api/v1/activities/import"
    headers = {**bearer(token), "Content-Type": XLSX}
    hostile = {name: (build, status, limit) for name, build, status, limit in HOSTILE_SHEETS}
    uploads = {name: hostile[name][0]() for name in ("shared-strings-bomb", "zip-bomb")}
    await client.get(f"{platform.url('registration')}/healthz")
    before = platform.resident_bytes("registration")
    cpu_before = platform.cpu_seconds("registration")

    async def refused(name: str) -> None:
        answer = await client.post(url, params={"campaign_id": CAMPAIGN}, content=uploads[name], headers=headers)
        _, status, limit = hostile[name]
        body = problem(answer, status)
        assert body["limit"] == limit and body["limit_value"], body
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body

    sent = [name for _ in range(3) for name in uploads]  # the three held 1.9 GiB and 26 s of CPU each
    for name in sent:
        await refused(name)
    cpu = platform.cpu_seconds("registration") - cpu_before  # process CPU time, not wall-clock
    grown = platform.resident_bytes("registration") - before
    assert cpu < len(sent), f"registration spent {cpu:.1f} s of CPU refusing {len(sent)}: not under a second each"
    assert grown < 64 << 20, f"registration grew by {grown >> 20} MiB refusing {len(sent)} hostile uploads"


async def test_a_unit_runs_one_import_at_a_time(platform: Platform, client: httpx.AsyncClient) -> None:
    token = await organizer(client, platform, "13912340003", "192.0.2.21", name="渭南市临渭区科学技术协会")
    url = f"{platform.url('registration')}/api/v1/activities/import"
    headers = {**bearer(token), "Content-Type": XLSX}
    params = {"campaign_id": CAMPAIGN}
    # 2,000 rows to read, each refused (no such time): the unit's import runs a while and registers nothing
    large = workbook([good_row(n, 活动时间="明天上午") for n in range(1, 2001)])
    uploaded = asyncio.Event()

    async def upload() -> AsyncIterator[bytes]:
        yield large
        uploaded.set()

    first = asyncio.create_task(client.post(url, params=params, content=upload(), headers=headers))
    await uploaded.wait()
    answers: list[httpx.Response] = []
    while not first.done():  # the same unit uploads again meanwhile (not a workbook: refused if it is read)
        answers.append(await client.post(url, params=params, content=b"PK not a workbook", headers=headers))
    answers.append(report := await first)
    if report.status_code == 200:  # the large one ran first (the usual case): read whole, every row refused
        assert report.json()["counts"]["refused"] == 2000, report.text[:300]
    statuses = [a.status_code for a in answers]
    busy = [a for a in answers if a.status_code == 409]
    assert busy, f"no upload was turned away while another of the unit's imports ran: {statuses}"
    assert problem(busy[0], 409)["limit"] == "one_import_per_unit" and int(busy[0].headers["retry-after"]) > 0
    assert set(statuses) <= {200, 409, 422}, statuses
    after = await client.post(url, params=params, content=b"PK not a workbook", headers=headers)
    problem(after, 422)  # once the first is done, the unit's next upload is read


# --- Medium: account abuse ---------------------------------------------------------------------------
# An unknown login costing what a known one does is not probed here: it could only be shown by timing
# (no timing assertions); tests/registration/test_account_abuse.py counts the argon2 verifications.


async def test_sign_ups_are_limited_per_address_and_never_tell_who_has_an_account(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    units = f"{platform.url('registration')}/api/v1/units"
    for k in range(3):  # KEPURI_REGISTRATION_SIGN_UPS_PER_ADDRESS=3
        signed = await client.post(units, json=unit(f"1391000000{k}"), headers=at("198.18.0.1"))
        assert signed.status_code == 202, signed.text
    throttled(await client.post(units, json=unit("13910000009"), headers=at("198.18.0.1")))
    elsewhere = await client.post(units, json=unit("13910000009"), headers=at("198.18.0.2"))
    assert elsewhere.status_code == 202, "another address is another client"

    new = await client.post(units, json=unit("13910000100"), headers=at("198.18.0.3"))
    again = await client.post(units, json=unit("13910000100", "另一所学校"), headers=at("198.18.0.4"))
    assert (new.status_code, new.content) == (again.status_code, again.content) == (202, new.content)
    login = {"login": "13910000100", "password": PASSWORD}  # the first sign-up's password stays in force
    assert (await client.post(f"{platform.url('registration')}/api/v1/auth/token", json=login)).status_code == 200


async def test_failed_logins_are_limited_per_address_across_logins_and_per_login(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    registration = platform.url("registration")
    await organizer(client, platform, "13910000200", "198.18.1.1")
    token = f"{registration}/api/v1/auth/token"
    right = {"login": "13910000200", "password": PASSWORD}
    for k in range(4):  # KEPURI_REGISTRATION_LOGIN_FAILURES_PER_ADDRESS=4, each a different login
        wrong = {"login": f"1391000030{k}", "password": "not-the-password"}
        assert (await client.post(token, json=wrong, headers=at("198.18.1.2"))).status_code == 401
    throttled(await client.post(token, json=right, headers=at("198.18.1.2")))
    assert (await client.post(token, json=right, headers=at("198.18.1.3"))).status_code == 200

    for k in range(3):  # KEPURI_REGISTRATION_LOGIN_FAILURES_ALLOWED=3, each from a different address
        wrong = {"login": "13910000200", "password": "not-the-password"}
        assert (await client.post(token, json=wrong, headers=at(f"198.18.2.{k}"))).status_code == 401
    throttled(await client.post(token, json=right, headers=at("198.18.2.99")))


# a call each service answers only after verifying the token (anything but 401 / 503 when it is valid)
VERIFIED = {
    "registration": "/api/v1/dashboard",
    "review": "/api/v1/review/queue",
    "notification": "/api/v1/messages",
    "analytics": f"/api/v1/exports/by-region.csv?campaign={CAMPAIGN}",
}


async def verdicts(client: httpx.AsyncClient, platform: Platform, token: str) -> dict[str, int]:
    return {
        name: (await client.get(platform.url(name) + path, headers=bearer(token))).status_code
        for name, path in VERIFIED.items()
    }


async def test_every_service_refuses_a_token_whose_key_id_is_missing_or_unknown(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    issued = platform.staff["ops"]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(issued, options={"verify_signature": False})
    published = jwt.get_unverified_header(issued)["kid"]
    key = (platform.data_dir / "keys" / "registration-ed25519.pem").read_bytes()  # the real signing key
    for header in ({}, {"kid": "not-published"}):
        forged = jwt.encode(claims, key, "EdDSA", headers=header)
        assert await verdicts(client, platform, forged) == dict.fromkeys(VERIFIED, 401), header
    same = jwt.encode(claims, key, "EdDSA", headers={"kid": published})  # only the kid made the difference
    assert all(status not in (401, 503) for status in (await verdicts(client, platform, same)).values())


async def test_a_disabled_accounts_token_is_refused_by_every_service(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    token = await organizer(client, platform, "13910000400", "198.18.3.1")
    before = await verdicts(client, platform, token)
    assert all(status not in (401, 503) for status in before.values()), before

    platform.kepuri("staff", "disable", "--login", "13910000400")

    async def refused_everywhere() -> bool:  # within KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS=1 (bound generous)
        return set((await verdicts(client, platform, token)).values()) == {401}

    await until(refused_everywhere, timeout=30)
    login = {"login": "13910000400", "password": PASSWORD}
    assert (await client.post(f"{platform.url('registration')}/api/v1/auth/token", json=login)).status_code == 403


# --- Medium: request size ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
async def test_a_50_mib_body_is_refused_with_413_and_the_service_stays_small(
    platform: Platform, client: httpx.AsyncClient, name: str
) -> None:
    url, json_type = platform.url(name) + POSTS[name], {"Content-Type": "application/json"}
    await client.get(platform.url(name) + "/healthz")
    before = platform.resident_bytes(name)
    assert_refused(await client.post(url, content=big_json(), headers=json_type), name)

    async def chunked() -> AsyncIterator[bytes]:  # no declared length: counted as it comes
        for _ in range(BIG >> 20):
            yield b"a" * (1 << 20)

    answer = await client.post(url, content=chunked(), headers=json_type)
    if name == "analytics":  # no route of it reads a body: the chunks are discarded unread
        assert answer.status_code == 405, answer.text
    else:
        assert_refused(answer, name)
    assert (await client.get(platform.url(name) + "/healthz")).status_code == 200
    grown = platform.resident_bytes(name) - before
    assert grown < 24 << 20, f"{name} grew by {grown >> 20} MiB for two refused 50 MiB bodies"


# --- Low–medium: public 500s -------------------------------------------------------------------------


async def test_out_of_range_dates_are_422_naming_the_field(
    platform: Platform, held: Held, client: httpx.AsyncClient
) -> None:
    registration = platform.url("registration")
    asked = [
        (field, await client.get(f"{registration}/api/v1/directory/activities", params={field: day}))
        for field, day in (("date_to", "9999-12-31"), ("date_from", "0001-01-01"))
    ]
    for starts, ends in (
        ("0001-01-01T00:00:00+08:00", "0001-01-01T02:00:00+08:00"),
        ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),
    ):
        body = activity(starts_at=starts, ends_at=ends)
        asked.append(
            ("starts_at", await client.post(f"{registration}/api/v1/activities", json=body, headers=held.organizer))
        )
    for field, answer in asked:
        assert field in {e["field"] for e in problem(answer, 422)["errors"]}, answer.text
    assert "OverflowError" not in platform.up.output()


# --- Low: headers and API documents --------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICES)
async def test_every_answer_carries_the_security_headers_and_no_api_docs_are_served(
    platform: Platform, client: httpx.AsyncClient, name: str
) -> None:
    url = platform.url(name)
    answers = [
        await client.get(f"{url}/healthz"),
        await client.get(f"{url}/metrics"),
        await client.get(f"{url}/api/v1/nothing-here"),
        await client.post(url + POSTS[name], content=b"{not json", headers={"Content-Type": "application/json"}),
    ]
    for answer in answers:
        missing = [h for h in HEADERS if h not in answer.headers]
        assert not missing, f"{answer.request.url} ({answer.status_code}) lacks {missing}"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
    docs = {path: (await client.get(url + path)).status_code for path in ("/docs", "/redoc", "/openapi.json")}
    assert docs == dict.fromkeys(docs, 404), "KEPURI_API_DOCS=false"


# --- Open operations data ------------------------------------------------------------------------------

STREAM = "/api/v1/stats/dashboard/stream"


async def test_operations_data_is_for_staff_and_streams_are_limited_per_client(
    platform: Platform, held: Held, client: httpx.AsyncClient
) -> None:
    analytics = platform.url("analytics")
    admin, reviewer = platform.staff["ops"], platform.staff["weinan-city"]
    params = {"campaign": CAMPAIGN}
    for path in ("/api/v1/stats/dashboard", STREAM, "/api/v1/stats/scoreboard"):
        problem(await client.get(analytics + path, params=params), 401)
        problem(await client.get(analytics + path, params=params, headers=held.organizer), 403)
    for staff in (admin, reviewer):
        for path in ("/api/v1/stats/dashboard", "/api/v1/stats/scoreboard"):
            assert (await client.get(analytics + path, params=params, headers=staff)).status_code == 200
    problem(await client.get(f"{analytics}/api/v1/stats/dashboard", params={"campaign": "no-such"}, headers=admin), 404)

    # KEPURI_ANALYTICS_DASHBOARD_STREAMS_PER_CLIENT=1
    async with client.stream("GET", analytics + STREAM, params=params, headers={**admin, **at("198.18.4.1")}) as first:
        assert first.status_code == 200
        lines = first.aiter_lines()
        while not (await anext(lines)).startswith("data: "):  # the snapshot, at once
            pass
        throttled(await client.get(analytics + STREAM, params=params, headers={**reviewer, **at("198.18.4.1")}))
        async with client.stream(
            "GET", analytics + STREAM, params=params, headers={**reviewer, **at("198.18.4.2")}
        ) as elsewhere:
            assert elsewhere.status_code == 200, "another address has slots of its own"


# --- Low: comment masking ------------------------------------------------------------------------------

COMMENTS = (
    "讲得好，有问题打139-1111-2222",
    "联系 139 1111 2222 报名下一场",
    "电话１３９１１１１２２２２",
    "+86 139 1111 2222",
    "欢迎致电+8613911112222",
)


async def test_phone_numbers_in_public_comments_are_masked_however_written(
    platform: Platform, held: Held, client: httpx.AsyncClient
) -> None:
    public = f"{platform.url('registration')}/api/v1/directory/activities/{held.activity_id}"

    async def listed() -> bool:  # the city's approval reached the public directory
        return (await client.get(public)).status_code == 200

    await until(listed)
    for k, comment in enumerate(COMMENTS):
        rated = await client.post(
            f"{public}/feedback", json={"rating": 5, "comment": comment}, headers=at(f"198.18.5.{k}")
        )
        assert rated.status_code == 202, rated.text

    async def counted() -> bool:
        return (await client.get(public)).json()["rating_count"] == len(COMMENTS)

    await until(counted)
    records = await from_the_start(platform.bus_url, [PARTICIPATION.name], "probe-comments")
    published = [
        e.data["comment"]
        for e in map(from_record, records)
        if e.type == "feedback-submitted" and e.subject == held.activity_id
    ]
    assert len(published) >= len(COMMENTS)
    for comment in published:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", comment))
        assert "11112222" not in digits and "139****2222" in unicodedata.normalize("NFKC", comment), comment
    needles = [c.encode() for c in COMMENTS] + [json.dumps(c)[1:-1].encode() for c in COMMENTS]
    assert files_holding(platform.data_dir, needles) == {}, "no comment is stored as typed"


# --- Personal data: erasure (last: it stops the platform to read its files) ----------------------------


def unzipped(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return b"".join(book.read(name) for name in book.namelist())


async def everything_shown(platform: Platform, held: Held, client: httpx.AsyncClient) -> dict[str, bytes]:
    """Every answer of every service that could show a science worker, and every export (unzipped)."""
    r, v, n, a = (platform.url(s) for s in SERVICES)
    me = held.organizer
    admin, city, province = (platform.staff[s] for s in ("ops", "weinan-city", "shaanxi"))
    in_campaign = {"campaign_id": CAMPAIGN}
    box = {"campaign": CAMPAIGN, "box": "all"}
    asked: list[tuple[str, dict[str, str], dict[str, str]]] = [
        (f"{r}/api/v1/activities/{held.activity_id}", {}, me),
        (f"{r}/api/v1/activities/{held.activity_id}", {}, admin),
        (f"{r}/api/v1/activities/export.xlsx", in_campaign, me),
        (f"{r}/api/v1/activities/export.xlsx", in_campaign, admin),
        (f"{r}/api/v1/dashboard", {}, me),
        (f"{r}/api/v1/directory/activities/{held.activity_id}", {}, {}),
        (f"{v}/api/v1/review/queue", in_campaign, city),
        (f"{v}/api/v1/recommendations", box, province),
        (f"{v}/api/v1/exports/recommendations.xlsx", box, admin),
        (f"{n}/api/v1/messages", {}, admin),
        (f"{n}/api/v1/messages", {}, me),
        (f"{n}/api/v1/inbox", {}, me),
        (f"{a}/api/v1/stats/activities", {"campaign": CAMPAIGN}, {}),
        (f"{a}/api/v1/stats/notifications", {}, {}),
        *((f"{a}/api/v1/exports/{t}.{x}", {"campaign": CAMPAIGN}, admin) for t in TABLES for x in ("csv", "xlsx")),
    ]
    shown = {}
    for url, params, headers in asked:
        answer = await client.get(url, params=params, headers=headers)
        assert answer.status_code == 200, f"{answer.request.url}: {answer.status_code} {answer.text[:300]}"
        who = "admin" if headers is admin else "organizer" if headers is me else "staff" if headers else "anyone"
        shown[f"{answer.request.url} ({who})"] = (
            unzipped(answer.content) if answer.content[:2] == b"PK" else answer.content
        )
    return shown


def holding(shown: dict[str, bytes], needles: list[bytes]) -> dict[str, list[bytes]]:
    return {what: hits for what, content in shown.items() if (hits := [n for n in needles if n in content])}


async def test_an_erased_science_worker_is_in_no_answer_and_no_file(
    platform: Platform, held: Held, client: httpx.AsyncClient
) -> None:
    notification, admin = platform.url("notification"), platform.staff["ops"]
    thanks = {"activity_id": held.activity_id, "kind": "thank_you"}

    async def thanked() -> bool:
        page = (await client.get(f"{notification}/api/v1/messages", params=thanks, headers=admin)).json()
        return len(page["items"]) == 2 and all(m["state"] in ("sent", "delivered") for m in page["items"])

    await until(thanked)
    needles = [WORKER_PHONE.encode(), WORKER_NAME.encode(), json.dumps(WORKER_NAME)[1:-1].encode()]
    before = await everything_shown(platform, held, client)
    assert holding(before, needles) and files_holding(platform.data_dir, needles), "the probe finds the worker"
    statistics = f"{platform.url('analytics')}/api/v1/stats/activities"
    totals = (await client.get(statistics, params={"campaign": CAMPAIGN})).json()["totals"]

    erased = await client.post(
        f"{platform.url('registration')}/api/v1/erasures", json={"phone": WORKER_PHONE}, headers=admin
    )
    assert erased.status_code == 200 and erased.json()["erased"] is True, erased.text

    async def forgotten() -> bool:  # each service learns of the erasure from the privacy topic
        return not files_holding(platform.data_dir, needles)

    try:
        await until(forgotten, timeout=60)
    except TimeoutError:
        raise AssertionError(f"still on disk: {files_holding(platform.data_dir, needles)}") from None
    after = await everything_shown(platform, held, client)
    assert holding(after, needles) == {}
    assert holding(after, [KEPT_PHONE.encode()]) == holding(before, [KEPT_PHONE.encode()]), "the other worker stays"
    assert (await client.get(statistics, params={"campaign": CAMPAIGN})).json()["totals"] == totals, "counts stay"

    platform.stop()
    assert files_holding(platform.data_dir, needles) == {}
    assert not [n for n in needles if n in platform.up.log_path.read_bytes()], "nor what the processes logged"
