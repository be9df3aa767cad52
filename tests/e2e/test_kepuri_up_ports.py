"""``kepuri up`` on ports of its own: every internal URL follows the ports, none points at 800N.

With only ``KEPURI_*_PORT`` set, review, notification and analytics once verified tokens against
``127.0.0.1:8001``'s key set: every reviewer got 401 (and a platform on 8001 would have been trusted).
The one origin (``KEPURI_SITE_PORT``) is the first URL ``up`` prints, and every service answers
through it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from harness.kepuri_up import ROOT, kepuri_up
from harness.platform import DEFAULT_PORTS, STANDIN, process_environments

PASSWORD = "kepuri-ports-secret"


def test_every_internal_url_is_derived_from_the_ports_up_uses() -> None:
    ports = [("registration", 9101), ("review", 9102), ("notification", 9103), ("analytics", 9104)]
    env = {"KEPURI_SMS_STANDIN_PORT": "9113"}

    environments = process_environments(env, ports, "127.0.0.1")

    for name in ("review", "notification", "analytics"):
        assert environments[name][f"KEPURI_{name.upper()}_JWKS_URL"] == "http://127.0.0.1:9101/api/v1/auth/jwks.json"
    assert environments["notification"]["KEPURI_NOTIFICATION_SMS_BASE_URL"] == "http://127.0.0.1:9113"
    assert environments[STANDIN]["KEPURI_SMS_STANDIN_RECEIPTS_URL"] == "http://127.0.0.1:9103/api/v1/sms/receipts"
    assert environments["analytics"]["KEPURI_ANALYTICS_PEERS_METRICS"] == ",".join(
        f"http://127.0.0.1:{port}/metrics" for port in (9101, 9102, 9103)
    )
    urls = " ".join(v for e in environments.values() for k, v in e.items() if k.endswith(("_URL", "_METRICS")))
    for _name, default in DEFAULT_PORTS:
        assert f":{default}" not in urls


def test_a_url_set_by_the_operator_is_kept() -> None:
    ports = [(name, port + 1000) for name, port in DEFAULT_PORTS]
    env = {
        "KEPURI_REVIEW_JWKS_URL": "https://auth.example.cn/jwks.json",
        "KEPURI_NOTIFICATION_SMS_BASE_URL": "https://sms",
    }

    environments = process_environments(env, ports, "127.0.0.1")

    assert environments["review"]["KEPURI_REVIEW_JWKS_URL"] == "https://auth.example.cn/jwks.json"
    assert STANDIN not in environments


def _staff(env: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "staff", "create", *arguments],
        cwd=ROOT,
        env={**env, "KEPURI_STAFF_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_staff_tokens_work_on_every_service_of_a_platform_on_other_ports(tmp_path: Path) -> None:
    with kepuri_up(tmp_path / "data") as up:
        _staff(up.env, "--role", "admin", "--login", "ops")
        _staff(up.env, "--role", "reviewer", "--login", "weinan-city", "--level", "city", "--jurisdiction", "6105")
        with httpx.Client(timeout=30) as client:

            def token(login: str) -> dict[str, str]:
                answer = client.post(
                    f"{up.url('registration')}/api/v1/auth/token", json={"login": login, "password": PASSWORD}
                )
                assert answer.status_code == 200, answer.text
                return {"Authorization": f"Bearer {answer.json()['access_token']}"}

            reviewer, admin = token("weinan-city"), token("ops")
            queue = client.get(
                f"{up.url('review')}/api/v1/review/queue", params={"campaign_id": "2024-national"}, headers=reviewer
            )
            assert queue.status_code == 200, queue.text
            messages = client.get(f"{up.url('notification')}/api/v1/messages", headers=admin)
            assert messages.status_code == 200, messages.text
            export = client.get(
                f"{up.url('analytics')}/api/v1/exports/activities.xlsx",
                params={"campaign": "2024-national", "region": "61"},
                headers=admin,
            )
            assert export.status_code != 401, export.text


def test_up_prints_the_one_origin_first_and_every_service_answers_through_it(tmp_path: Path) -> None:
    with kepuri_up(tmp_path / "data") as up:
        # what up prints itself (the services' log lines come with their timestamps)
        printed = "\n".join(line for line in up.output().splitlines() if not re.match(r"\d{4}-\d\d-\d\dT", line))
        assert re.findall(r"http://[\w.:]+", printed)[0] == up.site, printed
        assert f"Kepuri: {up.site}\n" in printed
        assert f"kepuri: running on {up.site}" in printed
        _staff(up.env, "--role", "admin", "--login", "ops")
        with httpx.Client(base_url=up.site, timeout=30) as site:
            assert site.get("/healthz").text == "ok"
            login = site.post("/api/v1/auth/token", json={"login": "ops", "password": PASSWORD})
            assert login.status_code == 200, login.text
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            for path, params in (
                ("/api/v1/campaigns", {}),
                ("/api/v1/review/queue", {"campaign_id": "2024-national"}),
                ("/api/v1/messages", {}),
                ("/api/v1/stats/overview", {}),
            ):
                answer = site.get(path, params=params, headers=admin)
                assert answer.status_code == 200, (path, answer.text)
            assert site.get("/dashboard").headers["content-type"].startswith("text/html")
            assert site.get("/metrics").status_code == 404
    assert "kepuri: stopped" in up.output()
