"""Spreadsheet formula injection (issue 17): every export of review (each box, as 附件3, 附件2 and the
list, for each kind) writes names, forms and opinions that start like a formula as text, unchanged."""

from __future__ import annotations

import itertools

from tests.fixtures.spreadsheets import HOSTILE, read_back, xlsx_values
from tests.review.conftest import Service, admin, campaign, reviewer, unit

from .test_exports import EXPORT
from .test_lists import posted

LIST = "/api/v1/recommendations"
BOXES = ("received", "sent", "endorsed", "declined", "all")
# (kind, form) as a reviewer may ask: every form for each kind, and the defaults
SHAPES = [
    (None, None),
    ("activity", None),
    ("unit", None),
    (None, "list"),
    ("activity", "list"),
    ("unit", "list"),
    (None, "附件3"),
    ("activity", "附件3"),
    (None, "附件2"),
    ("unit", "附件2"),
]


async def hostile_world(service: Service) -> set[str]:
    """A unit and activities named like formulas, recommended with forms and opinions alike; the texts."""
    county, city = reviewer("county", "610502"), reviewer("city", "6105")
    await service.feed(campaign(), unit("u-1", "610502", name=HOSTILE[0]))
    names = itertools.cycle(HOSTILE)
    for name in HOSTILE:
        activity_id = await service.eligible(unit_id="u-1", organizer_name=HOSTILE[0], name=name)
        form = {
            "campaign_id": "2026",
            "activity_id": activity_id,
            "reason": next(names),
            "main_content": next(names),
            "contact_name": next(names)[:20],
            "contact_phone": "13800000001",
            "opinion": next(names),
        }
        rec = await posted(service, LIST, form, county)
        await posted(service, f"{LIST}/{rec['id']}/endorse", {"opinion": name}, city)
    unit_form = {
        "campaign_id": "2026",
        "unit_id": "u-1",
        "unit_level": HOSTILE[1][:10],
        "staff_count": 86,
        "contact_name": HOSTILE[2][:20],
        "contact_phone": "13800000002",
        "deeds": HOSTILE[3],
        "opinion": HOSTILE[0],
    }
    rec = await posted(service, f"{LIST}/units", unit_form, county)
    await posted(service, f"{LIST}/{rec['id']}/decline", {"reason": HOSTILE[4]}, city)
    return {*HOSTILE, HOSTILE[1][:10], HOSTILE[2][:20]}


async def test_every_export_writes_formula_like_text_as_text(service: Service) -> None:
    texts = await hostile_world(service)
    seen: set[object] = set()
    for who, box, (kind, form) in itertools.product(
        (admin(), reviewer("city", "6105"), reviewer("county", "610502")), BOXES, SHAPES
    ):
        params = {
            "campaign": "2026",
            "box": box,
            **({"kind": kind} if kind else {}),
            **({"form": form} if form else {}),
        }
        answer = await service.client.get(EXPORT, params=params, headers=who)
        assert answer.status_code == 200, (params, answer.text)
        values = xlsx_values(answer.content)
        seen.update(values)
        seen.update(line.split("：", 1)[-1].split("（")[0] for line in values if isinstance(line, str))
    shown = {v.strip() for v in seen if isinstance(v, str)}
    assert {read_back(t).strip() for t in texts} <= shown, texts - seen  # as stored (a form API strips spaces)
