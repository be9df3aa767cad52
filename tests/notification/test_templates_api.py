"""Templates through notification's API: the kinds and their variables, a preview with sample values,
and an admin's draft validated (syntax, allowed variables, the sandbox) and previewed, never stored."""

from __future__ import annotations

from tests.notification.conftest import Service, admin, organizer


async def test_templates_are_listed_and_previewed_in_chinese(service: Service) -> None:
    kinds = await service.client.get("/api/v1/templates", headers=organizer())
    assert kinds.status_code == 200
    thank_you = next(k for k in kinds.json() if k["kind"] == "thank_you")
    assert {"worker_name", "organizer_name", "activity_name"} <= set(thank_you["variables"])
    sms = (await service.client.get("/api/v1/templates/thank_you/sms", headers=organizer())).json()
    assert "老师" in sms["text"] and sms["segments"] == 1 and sms["subject"] is None and "{{" in sms["source"]
    email = (await service.client.get("/api/v1/templates/review_rejected/email", headers=organizer())).json()
    assert email["subject"] and email["text"]
    assert (await service.client.get("/api/v1/templates/thank_you/sms")).status_code == 401
    unknown = await service.client.get("/api/v1/templates/nope/sms", headers=organizer())
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


async def test_an_admin_previews_a_draft_and_a_bad_one_is_refused_naming_the_problem(service: Service) -> None:
    path = "/api/v1/templates/thank_you/sms/preview"
    draft = {"source": "{{ worker_name }}老师，谢谢！——{{ organizer_name }}", "context": {"worker_name": "李明"}}
    shown = await service.client.post(path, json=draft, headers=admin())
    assert shown.status_code == 200, shown.text
    assert shown.json()["text"].startswith("李明老师，谢谢！")
    assert (await service.client.post(path, json=draft, headers=organizer())).status_code == 403
    for source, problem in (
        ("{{ phone }}", "phone"),
        ("{{ worker_name", "语法"),
        ("{{ ''.__class__ }}", "__class__"),
    ):
        refused = await service.client.post(path, json={"source": source}, headers=admin())
        assert refused.status_code == 422, (source, refused.text)
        assert refused.json()["errors"][0]["field"] == "source"
        assert problem in refused.json()["detail"], refused.json()
    current = (await service.client.get("/api/v1/templates/thank_you/sms", headers=admin())).json()
    assert "谢谢！" not in current["text"], "a preview stores nothing"
