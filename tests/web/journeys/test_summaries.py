"""Summary reports (工作总结, issue 19): the county reviewer ``linwei`` (临渭区, 610502) writes its summary
of this year's 渭南 campaign, attaches a file and submits it before the summary deadline; the city
reviewer ``weinan-city`` (6105) sees 临渭区科协 reported among the city's counties and reads it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from .site_support import STAFF_PASSWORD, Api, Journey, until
from .workbench_support import campaign_title, choose

OpenJourney = Callable[[str], Journey]
TEXT = "全区围绕“科普向未来”开展科普活动52场，参与群众1.2万人次；食品安全科普进社区18场。"
# a small PDF: the platform tells a file's type by its first bytes
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def menu(person: Journey, entry: str) -> None:
    person.page.get_by_role("navigation", name="工作台菜单").get_by_text(entry, exact=True).click()


def test_a_county_reports_its_summary_and_the_city_reads_it(journey: OpenJourney, api: Api, tmp_path: Path) -> None:
    campaign = campaign_title(api)
    linwei = api.headers("linwei", STAFF_PASSWORD)
    mine = f"/api/v1/summaries/mine?campaign={api.current_campaign()}"
    until(lambda: api.client.get(mine, headers=linwei).status_code == 200 or None, "review knows the campaign")
    county = journey("desktop")
    county.goto("/login")
    county.log_in("linwei", STAFF_PASSWORD)
    county.expect_path("/workbench/review")
    menu(county, "工作总结")
    county.expect_path("/workbench/summary")
    page = county.page
    choose(page, "活动年度", campaign)
    expect(page.get_by_text("临渭区科协（县级科协）")).to_be_visible()
    expect(page.get_by_text("未报送")).to_be_visible()
    county.step("county-summary-empty")

    page.get_by_label("总结正文").fill(TEXT)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.get_by_text("草稿（未提交）")).to_be_visible()
    county.step("county-summary-drafted")

    report = tmp_path / "临渭区2026年全国科普日工作总结.pdf"
    report.write_bytes(PDF)
    page.get_by_label("选择附件文件").set_input_files(report)
    expect(page.get_by_role("button", name=report.name, exact=True)).to_be_visible()
    county.step("county-summary-attached")

    page.get_by_role("button", name="提交总结").click()
    expect(page.get_by_text("工作总结已提交")).to_be_visible()
    expect(page.get_by_text("已报送", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="提交总结")).to_have_count(0)  # final: nothing to change
    expect(page.get_by_text(TEXT)).to_be_visible()
    county.step("county-summary-submitted")
    page.set_viewport_size({"width": 375, "height": 812})
    county.step("county-summary-submitted-phone")

    city = journey("phone")
    city.goto("/login")
    city.log_in("weinan-city", STAFF_PASSWORD)
    city.expect_path("/workbench/review")
    menu(city, "总结报送情况")
    city.expect_path("/workbench/review/summaries")
    page = city.page
    choose(page, "活动年度", campaign)
    expect(page.get_by_role("status").filter(has_text="已报送")).to_contain_text("已报送 1 /")
    row = page.get_by_role("row").filter(has_text="临渭区科协")
    expect(row.get_by_text("已报送")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="华州区科协").get_by_text("未报送")).to_be_visible()
    city.step("city-summaries")

    row.get_by_role("button", name="查看 临渭区科协 的工作总结").click()
    drawer = page.get_by_role("dialog", name="临渭区科协工作总结")
    expect(drawer.get_by_text(TEXT)).to_be_visible()
    expect(drawer.get_by_role("button", name=f"下载 {report.name}")).to_be_in_viewport(ratio=1)
    city.step("city-reads-summary")
