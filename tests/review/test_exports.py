"""Exports of reviewers' boxes as XLSX, read back with openpyxl: the forms 附件3 and 附件2 with the
chain's review opinions, the list with indicator figures, the file name, and jurisdiction: every
reviewer's export holds exactly what its lists show, and no other province's names or phones."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from tests.review.conftest import Service, admin, organizer

from .test_lists import PHONES, VIEWS, WHO, World, build_world


def china_today() -> date:
    """The day in China: reviewers' opinions are dated in China time (after 16:00 UTC, tomorrow)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


EXPORT = "/api/v1/exports/recommendations.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DETAILS = (
    "开始时间",
    "结束时间",
    "活动地点",
    "线上网址",
    "活动简介",
    "预计参与人数",
    "实际参与人数",
    "活动照片",
    "视频",
    "新闻报道",
    "活动总结",
)
OPINIONS = ("市级科协审核意见", "省级科协审核意见", "全国组织单位审核意见")
ANNEX_3 = (
    "序号",
    "活动名称",
    "单位名称",
    "联系人",
    "联系电话",
    *DETAILS,
    "主要内容",
    "推荐理由",
    "推荐单位",
    "推荐单位意见",
    *OPINIONS,
    "状态",
)
ANNEX_2 = (
    "序号",
    "单位名称",
    "单位级别",
    "职工总数",
    "联系人",
    "联系电话",
    "主要事迹",
    "推荐单位",
    "推荐单位审核意见",
    *OPINIONS,
    "状态",
)
FIGURES = ("科技工作者人数", "参与人次", "评价人数", "平均评分")
LIST_HEADER = (
    "序号",
    "类型",
    "名称",
    "单位名称",
    "行政区划代码",
    "推荐单位",
    "所在层级",
    "状态",
    "推荐日期",
    *(f"活动{h}" for h in FIGURES),
    *(f"单位{h}" for h in ("活动数", "线上活动数", "联合行动活动数", *FIGURES, "信息完善率")),
    *DETAILS,
    "组织动员得分（权重1）",  # the campaign's indicators, scored (docs/review.md, "Indicator scores")
    "数量规模得分（权重1）",
    "综合得分",
)
NAMES = {
    "a1": "临渭科技馆开放日",
    "unit": "临渭区青少年科技馆",
    "a3": "华州食品安全进校园",
    "a4": "西安科普开放日",
    "a5": "兰州黄河科普行",
    "a6": "兰州健康讲座",
}


async def export(service: Service, who: dict[str, str], **params: Any) -> Any:
    return await service.client.get(EXPORT, params={"campaign": "2026", **params}, headers=who)


def table(answer: Any) -> list[dict[str, Any]]:
    """The sheet's rows below its title and header, by header (after checking the file's headers)."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True))
    header = rows[1]
    return [dict(zip(header, row, strict=True)) for row in rows[2:]]


def header_of(answer: Any) -> tuple[Any, ...]:
    return tuple(next(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(min_row=2, values_only=True)))


def every_cell(answer: Any) -> str:
    return "\n".join(
        str(v)
        for row in load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True)
        for v in row
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_activity_form_carries_each_levels_opinion_from_the_history(service: Service) -> None:
    world = await build_world(service)
    answer = await export(service, WHO["city 6105"], box="all", form="附件3")
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="kepuri-recommendations-2026-all-activities.xlsx"')
    assert f"filename*=UTF-8''{quote(f'{china_today().year}年全国科普日优秀活动推荐表-全部.xlsx')}" in disposition

    book = load_workbook(io.BytesIO(answer.content))
    sheet = book.worksheets[0]
    title = sheet.cell(1, 1).value
    assert title == f"{china_today().year}年全国科普日优秀活动推荐表（市级 6105·全部）"
    assert header_of(answer) == ANNEX_3 and sheet.cell(2, 1).font.b and sheet.freeze_panes == "A3"
    rows = table(answer)
    assert [(r["序号"], r["活动名称"]) for r in rows] == [(1, NAMES["a1"]), (2, NAMES["a3"])]
    a1, a3 = rows
    today = china_today().isoformat()
    assert (a1["实际参与人数"], a1["活动总结"]) == (120, "活动圆满完成")  # from info-completed
    assert {k: v for k, v in a1.items() if k not in DETAILS} == {
        "序号": 1,
        "活动名称": "临渭科技馆开放日",
        "单位名称": "610502科普单位",
        "联系人": "王建国",
        "联系电话": PHONES["a1"],
        "主要内容": "a1：面向中小学生开展科学实验展示",
        "推荐理由": "a1：组织动员充分，参与人数多",
        "推荐单位": "县级 610502",
        "推荐单位意见": "同意推荐",
        "市级科协审核意见": f"同意：同意上报（{today}）",
        "省级科协审核意见": None,
        "全国组织单位审核意见": None,
        "状态": "待省级审核",
    }
    assert (a3["市级科协审核意见"], a3["状态"], a3["推荐单位"]) == (
        f"不同意：材料不全（{today}）",
        "未通过",
        "县级 610503",
    )
    assert world.recs  # built

    # the province endorses a1 to national, the nation selects it: one more opinion per level
    for who, opinion in (("province 61", "省级推荐"), ("national", "全国入选")):
        acted = await service.client.post(
            f"/api/v1/recommendations/{world.recs['a1']}/endorse", json={"opinion": opinion}, headers=WHO[who]
        )
        assert acted.status_code == 200, acted.text
    received = table(await export(service, admin(), box="received", kind="activity"))
    assert [r["活动名称"] for r in received] == [NAMES["a1"], NAMES["a6"]]  # selected, and pending at the top
    selected = received[0]
    assert selected["省级科协审核意见"] == f"同意：省级推荐（{today}）"
    assert selected["全国组织单位审核意见"] == f"同意：全国入选（{today}）" and selected["状态"] == "已入选"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_the_unit_form_and_the_list_with_indicator_figures(service: Service) -> None:
    await build_world(service)
    city = WHO["city 6105"]
    annex_2 = await export(service, city, box="received", kind="unit")  # the unit's form by default
    assert header_of(annex_2) == ANNEX_2
    (row,) = table(annex_2)
    assert (row["单位名称"], row["单位级别"], row["职工总数"], row["联系电话"], row["状态"]) == (
        "临渭区青少年科技馆",
        "县级",
        86,
        PHONES["unit"],
        "待市级审核",
    )
    assert row["主要事迹"] == "组织全区学校开展科普日活动二十余场" and row["推荐单位审核意见"] == "同意推荐"
    assert "filename*=UTF-8''" in annex_2.headers["content-disposition"]

    listed = await export(service, city, box="all", form="list", sort="-participation")
    assert header_of(listed) == LIST_HEADER
    rows = table(listed)
    assert [r["名称"] for r in rows] == [NAMES["unit"], NAMES["a1"], NAMES["a3"]]  # 5, 4, 0 check-ins
    unit_row, a1, a3 = rows
    assert (unit_row["类型"], unit_row["活动参与人次"], unit_row["单位活动数"], unit_row["单位参与人次"]) == (
        "单位",
        None,
        2,
        5,
    )
    assert (unit_row["单位线上活动数"], unit_row["单位联合行动活动数"], unit_row["单位平均评分"]) == (1, 1, 4.0)
    assert (unit_row["单位科技工作者人数"], unit_row["单位评价人数"], unit_row["单位信息完善率"]) == (5, 3, 0.5)
    assert (a1["类型"], a1["活动科技工作者人数"], a1["活动参与人次"], a1["活动评价人数"], a1["活动平均评分"]) == (
        "活动",
        3,
        4,
        2,
        4.5,
    )
    assert (a1["所在层级"], a1["状态"], a1["行政区划代码"], a1["单位活动数"]) == ("省级", "待省级审核", "610502", 2)
    assert (a3["单位活动数"], a3["单位平均评分"], a3["活动平均评分"]) == (1, None, None)
    assert (a1["推荐日期"], a1["推荐单位"]) == (china_today().isoformat(), "县级 610502")
    # the unit's scores against the units in 6105: 2 activities is the best (100), 1 scores 50
    assert (unit_row["数量规模得分（权重1）"], unit_row["组织动员得分（权重1）"], unit_row["综合得分"]) == (
        100,
        100,
        100,
    )
    assert (a3["数量规模得分（权重1）"], a3["组织动员得分（权重1）"], a3["综合得分"]) == (50, 100, 75)

    empty = table(await export(service, WHO["county 610503"], box="received"))
    assert empty == []  # a county receives nothing; the sheet still has its title and header


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
async def test_every_reviewers_export_holds_exactly_its_jurisdiction(service: Service) -> None:
    world = await build_world(service)
    for who, view in VIEWS.items():
        for box in ("received", "sent", "endorsed", "declined", "all"):
            listed = table(await export(service, WHO[who], box=box, form="list"))
            assert [r["名称"] for r in listed] == [NAMES[n] for n in view.get(box, [])], (who, box)
        mine = set(view["all"])
        for form in ("附件3", "附件2"):
            answer = await export(service, WHO[who], box="all", form=form)
            text = every_cell(answer)
            kind = "unit" if form == "附件2" else "activity"
            wanted = {n for n in mine if (n == "unit") == (kind == "unit")}
            assert [r["联系电话"] for r in table(answer)] == [PHONES[n] for n in view["all"] if n in wanted], who
            for name in set(NAMES) - wanted:
                assert PHONES[name] not in text and NAMES[name] not in text, (who, form, name)
    assert isinstance(world, World)


async def test_bad_export_parameters_are_422_naming_the_parameter(service: Service) -> None:
    await build_world(service)
    city = WHO["city 6105"]
    for params, field_name in (
        ({"form": "附件2", "kind": "activity"}, "form"),
        ({"form": "附件3", "kind": "unit"}, "form"),
        ({"form": "附件9"}, "form"),
        ({"box": "outbox"}, "box"),
        ({"kind": "school"}, "kind"),
        ({"sort": "-activities"}, "sort"),
    ):
        answer = await export(service, city, **params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert field_name in {e["field"] for e in answer.json()["errors"]}, (params, answer.json())
    assert (await service.client.get(EXPORT, headers=city)).status_code == 422
    assert (await export(service, city, campaign="1999")).status_code == 404
    assert (await export(service, organizer())).status_code == 403
    # the recommendation routes' /recommendations/{id} never takes the export's path
    assert (await service.client.get("/api/v1/recommendations/export.xlsx", headers=city)).status_code == 404
