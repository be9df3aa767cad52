"""An export's CSV from rows handed out a partition at a time (a fake source: no database)."""

from __future__ import annotations

from services.analytics.exports.catalog import TABLES
from services.analytics.exports.filters import ExportFilter
from services.analytics.exports.writers import csv_chunks

from ..fakes import FakeExportRows

WEINAN = ExportFilter("2022-weinan", "6105")


def _region(code: str, activities: int) -> dict[str, object]:
    return {"code": code, "activities": activities, "completed": 1, "science_workers": 0}


async def test_the_csv_starts_with_the_bom_and_header_and_numbers_rows_across_partitions() -> None:
    rows = [_region(code, n) for code, n in (("610502", 3), ("610503", 2), ("610522", 1))]
    for row in rows:
        row.update(checkins=0, feedback=0, rating_sum=0)
    source = FakeExportRows(rows={"by-region": rows}, size=2)
    chunks = [chunk async for chunk in csv_chunks(source, TABLES["by-region"], WEINAN)]
    assert len(chunks) == 2 and source.asked == [("by-region", WEINAN)]
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff序号,行政区划代码,地区,活动数")
    lines = text.split("\r\n")
    assert lines[1].startswith("1,610502,临渭区,3,1,33.3") and lines[3].startswith("3,610522,潼关县,1")


async def test_a_table_without_rows_is_its_header_alone() -> None:
    chunks = [chunk async for chunk in csv_chunks(FakeExportRows(), TABLES["by-category"], WEINAN)]
    assert (
        b"".join(chunks).decode("utf-8")
        == "\ufeff序号,活动类别,活动数,信息完善活动数,信息完善率(%),科技工作者人数,打卡人次,评价人数,平均评分\r\n"
    )
