"""Message templates: every kind on every channel, per-campaign overrides, the sandbox, SMS length."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from services.notification.templates import (
    CHANNELS,
    KINDS,
    VARIABLES,
    TemplateError,
    TemplateRenderError,
    Templates,
    cn_date,
    default_source,
    sample_context,
    sms_segments,
    sms_units,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
CAMPAIGN = "2022-national"
OTHER = "2023-national"

THANKS = {
    "worker_name": "王芳",
    "organizer_name": "西安交通大学",
    "activity_name": "量子科技进校园",
    "campaign_title": "2022年全国科普日",
}


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


def test_kinds_and_their_variables() -> None:
    assert set(KINDS) == {
        "thank_you",
        "registration_closing",
        "info_deadline",
        "recommendation_deadline",
        "summary_deadline",
        "key_activity_plan",
        "review_approved",
        "review_rejected",
        "recommended",
        "endorsed",
        "commended",
        "password_reset",
    }
    assert VARIABLES["thank_you"] == {"worker_name", "organizer_name", "activity_name", "campaign_title"}
    assert {"activity_names", "deadline", "days_left"} <= VARIABLES["info_deadline"]
    assert {"body_name", "deadline", "days_left"} <= VARIABLES["recommendation_deadline"]
    assert "reason" in VARIABLES["review_rejected"]
    assert {"level", "opinion"} <= VARIABLES["endorsed"]
    assert set(CHANNELS) == {"sms", "email", "inbox"}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_on_every_channel_in_chinese(templates: Templates, kind: str, channel: str) -> None:
    rendered = templates.preview(kind, channel)
    assert CJK.search(rendered.text), rendered.text
    assert "{{" not in rendered.text and "{%" not in rendered.text and "None" not in rendered.text
    if channel == "sms":
        assert rendered.subject is None
        # the packaged SMS fit in one message with realistic values
        assert rendered.segments == sms_segments(rendered.text) == 1
    else:
        assert rendered.subject and CJK.search(rendered.subject)
        assert "\n" not in rendered.subject
        assert rendered.segments is None
    # every variable the kind offers has a sample, and the sample shows up somewhere in the kind's messages
    assert set(sample_context(kind)) == VARIABLES[kind]


def test_thank_you_sms_is_in_the_organizers_name(templates: Templates) -> None:
    rendered = templates.render("thank_you", "sms", CAMPAIGN, THANKS)
    assert rendered.text.startswith("尊敬的王芳老师")
    assert "量子科技进校园" in rendered.text
    assert rendered.text.endswith("——西安交通大学")
    assert rendered.segments == 1


def test_deadline_and_list_values_are_written_the_chinese_way(templates: Templates) -> None:
    context = {
        "organizer_name": "渭南市科协",
        "campaign_title": "2022年全国科普日",
        "activity_names": ["甲活动", "乙活动", "丙活动"],
        "deadline": date(2022, 10, 10),
        "days_left": 0,
    }
    sms = templates.render("info_deadline", "sms", None, context)
    assert "2022年10月10日" in sms.text and "今天截止" in sms.text
    assert "“甲活动”等3项" in sms.text
    email = templates.render("info_deadline", "email", None, context)
    assert "1. 甲活动" in email.text and "3. 丙活动" in email.text
    assert email.subject == "【提醒】请于2022年10月10日前完善3项活动信息"
    assert cn_date("2022-09-15") == "2022年9月15日"
    assert cn_date(datetime(2022, 9, 25, 18, 0)) == "2022年9月25日"
    assert cn_date("九月") == "九月"


def test_none_renders_empty_for_optional_values(templates: Templates) -> None:
    rendered = templates.preview("endorsed", "email", context={"opinion": None})
    assert "审核意见" not in rendered.text and "None" not in rendered.text


def test_a_value_cannot_break_the_subject_line(templates: Templates) -> None:
    rendered = templates.preview("endorsed", "email", context={"level": "省级\nBcc: attacker@example.com"})
    assert rendered.subject is not None and "\n" not in rendered.subject


def test_an_override_wins_for_its_campaign_only() -> None:
    templates = Templates()
    preview = templates.override(CAMPAIGN, "thank_you", "sms", "{{ worker_name }}老师，{{ organizer_name }}谢谢您！")
    assert preview.text == "李明老师，渭南市科学技术协会谢谢您！"
    assert templates.render("thank_you", "sms", CAMPAIGN, THANKS).text == "王芳老师，西安交通大学谢谢您！"
    assert templates.render("thank_you", "sms", OTHER, THANKS).text.startswith("尊敬的王芳老师")
    assert templates.render("thank_you", "sms", None, THANKS).text.startswith("尊敬的王芳老师")
    # the other channels of the same campaign keep their defaults
    assert templates.source("thank_you", "email", CAMPAIGN) == default_source("thank_you", "email")
    assert templates.is_overridden("thank_you", "sms", CAMPAIGN)
    assert not templates.is_overridden("thank_you", "sms", OTHER)
    assert templates.remove_override(CAMPAIGN, "thank_you", "sms")
    assert not templates.remove_override(CAMPAIGN, "thank_you", "sms")
    assert templates.render("thank_you", "sms", CAMPAIGN, THANKS).text.startswith("尊敬的王芳老师")


def test_overrides_load_from_a_mapping_and_round_trip() -> None:
    source = "审核结果：{{ activity_name }}\n{{ organizer_name }}：活动“{{ activity_name }}”未通过，{{ reason }}"
    templates = Templates({(CAMPAIGN, "review_rejected", "email"): source})
    rendered = templates.preview("review_rejected", "email", CAMPAIGN)
    assert rendered.subject == "审核结果：走进科技馆·青少年科学体验日"
    assert rendered.text.startswith("渭南市科学技术协会：活动")
    assert templates.overrides() == {(CAMPAIGN, "review_rejected", "email"): source}
    assert templates.overrides(OTHER) == {}
    again = Templates(templates.overrides())
    assert again.preview("review_rejected", "email", CAMPAIGN) == rendered


def test_a_bad_override_in_the_mapping_is_refused_at_construction() -> None:
    with pytest.raises(TemplateError, match="phone"):
        Templates({(CAMPAIGN, "thank_you", "sms"): "{{ phone }}"})


@pytest.mark.parametrize(
    ("kind", "channel", "source", "named"),
    [
        ("thank_you", "sms", "{{ worker_name ", "语法错误"),
        ("thank_you", "sms", "{% if worker_name %}谢谢", "语法错误"),
        ("thank_you", "sms", "{{ worker_name }}，您的手机号{{ phone }}", "phone"),
        ("review_rejected", "inbox", "标题\n{{ reason }}{{ opinion }}", "opinion"),
        ("thank_you", "sms", "{{ ''.__class__ }}", "__class__"),
        ("thank_you", "sms", "{{ worker_name.__class__.__mro__ }}", "__class__"),
        ("thank_you", "sms", "{{ worker_name['__class__'] }}", "__class__"),
        ("thank_you", "sms", "{{ worker_name|attr('__class__') }}", "SecurityError"),
        ("thank_you", "sms", "{{ range(10) }}", "range"),
        ("thank_you", "sms", "{{ cycler }}{{ lipsum() }}", "cycler"),
        ("thank_you", "sms", "{% include 'other.j2' %}", "include"),
        ("thank_you", "sms", "{{ worker_name|shell }}", "shell"),
        ("thank_you", "sms", "{{ 'x' * 100000 }}", "SecurityError"),
        ("thank_you", "sms", "{{ worker_name + 1 }}", "TypeError"),
        ("thank_you", "sms", "   ", "为空"),
        ("thank_you", "email", "只有主题没有正文", "正文"),
        ("thank_you", "email", "\n\n  \n", "不能为空"),
        ("thank_you", "fax", "{{ worker_name }}", "fax"),
        ("birthday", "sms", "生日快乐", "birthday"),
    ],
)
def test_a_bad_override_is_refused_naming_the_problem(kind: str, channel: str, source: str, named: str) -> None:
    templates = Templates()
    with pytest.raises(TemplateError) as refused:
        templates.override(CAMPAIGN, kind, channel, source)
    assert named in str(refused.value), str(refused.value)
    # nothing was stored: the campaign keeps the default
    assert templates.overrides() == {}


def test_errors_in_an_email_body_give_the_line_in_the_whole_source() -> None:
    with pytest.raises(TemplateError, match="第4行"):
        Templates().override(CAMPAIGN, "thank_you", "email", "主题\n\n第一段\n{{ worker_name ")


def test_an_unknown_variable_error_lists_what_is_allowed() -> None:
    with pytest.raises(TemplateError) as refused:
        Templates().override(CAMPAIGN, "recommendation_deadline", "sms", "{{ organizer_name }}请推荐")
    message = str(refused.value)
    assert "organizer_name" in message and "body_name" in message
    assert refused.value.kind == "recommendation_deadline" and refused.value.channel == "sms"


def test_a_refused_override_leaves_the_previous_one_in_force() -> None:
    templates = Templates()
    templates.override(CAMPAIGN, "commended", "sms", "祝贺{{ organizer_name }}！")
    with pytest.raises(TemplateError):
        templates.override(CAMPAIGN, "commended", "sms", "祝贺{{ organizer }}！")
    assert templates.preview("commended", "sms", CAMPAIGN).text == "祝贺渭南市科学技术协会！"


def test_windows_line_endings_are_accepted() -> None:
    preview = Templates().check("commended", "email", "获表扬\r\n\r\n{{ organizer_name }}：\r\n祝贺！")
    assert preview.subject == "获表扬" and preview.text == "渭南市科学技术协会：\n祝贺！"


def test_check_validates_without_storing() -> None:
    templates = Templates()
    preview = templates.check("review_approved", "inbox", "通过啦\n“{{ activity_name }}”已通过审核")
    assert preview.subject == "通过啦" and preview.text == "“走进科技馆·青少年科学体验日”已通过审核"
    assert templates.overrides() == {}


def test_strict_undefined_catches_a_missing_variable(templates: Templates) -> None:
    context = dict(THANKS)
    del context["worker_name"]
    with pytest.raises(TemplateRenderError, match="worker_name"):
        templates.render("thank_you", "sms", CAMPAIGN, context)
    with pytest.raises(TemplateRenderError, match="deadline"):
        templates.render("registration_closing", "email", None, {"organizer_name": "某单位", "campaign_title": "x"})


def test_preview_fills_in_samples_around_given_values(templates: Templates) -> None:
    rendered = templates.preview("thank_you", "sms", context={"worker_name": "张三"})
    assert rendered.text.startswith("尊敬的张三老师") and "渭南市科学技术协会" in rendered.text


def test_the_same_template_object_renders_concurrent_campaigns_independently() -> None:
    templates = Templates()
    for year in range(2020, 2025):
        templates.override(str(year), "commended", "inbox", f"{year}年表扬\n{{{{ activity_name }}}}获表扬")
    for year in range(2020, 2025):
        assert templates.preview("commended", "inbox", str(year)).subject == f"{year}年表扬"


# -- SMS length ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"),
    [(0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)],
)
def test_sms_segments_at_the_70_and_67_boundaries(length: int, segments: int) -> None:
    assert sms_segments("科" * length) == segments


def test_sms_segments_count_every_character_and_supplementary_ones_twice() -> None:
    assert sms_segments("a" * 70) == 1 and sms_segments("a" * 71) == 2  # UCS-2: ASCII costs the same
    assert sms_units("𠮷") == 2
    assert sms_segments("科" * 69 + "𠮷") == 2
    # the provider's signature 【…】 counts too
    assert sms_segments("科" * 60, sign="全国科普日") == 1
    assert sms_segments("科" * 64, sign="全国科普日") == 2


def test_a_long_sms_override_reports_its_segment_count() -> None:
    templates = Templates()
    source = "{{ worker_name }}老师：" + "感谢您对科普事业的支持。" * 8
    preview = templates.override(CAMPAIGN, "thank_you", "sms", source)
    assert preview.segments == sms_segments(preview.text) == 2
    assert len(preview.text) > 70
