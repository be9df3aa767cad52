"""Phone numbers typed into a public feedback comment are masked whatever their form (issue 17):
separators, full-width or other Unicode digits (NFKC), zero-width characters, +86 / 0086 prefixes;
text without a phone number is left as it was."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration.directory.participation import without_phone_numbers
from shared.events.masking import mask_phone_numbers

FULL_WIDTH = str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）")


def digits(text: str) -> str:
    """Every decimal digit of ``text``, as ASCII, in order (what a reader could still piece together)."""
    normal = unicodedata.normalize("NFKC", text)
    return "".join(str(unicodedata.decimal(c)) for c in normal if c.isdecimal())


@pytest.mark.parametrize(
    ("comment", "masked"),
    [
        ("请联系13812345678或0913-2123456", "请联系138****5678或091****3456"),
        ("电话139-1111-2222谢谢", "电话139****2222谢谢"),
        ("电话139 1111 2222", "电话139****2222"),
        ("电话 １３９１１１１２２２２ 找我", "电话 139****2222 找我"),
        ("电话＋８６ １３９－１１１１－２２２２", "电话＋８６ 139****2222"),
        ("call +86 139 1111 2222", "call +86 139****2222"),
        ("call +8613911112222", "call +86139****2222"),
        ("call 0086-139-1111-2222!", "call 0086-139****2222!"),
        ("电话139\u200b1111\u200b2222", "电话139****2222"),
        ("电话(139)1111.2222", "电话(139****2222"),
        ("座机(0913) 212 3456", "座机(091****3456"),
        ("座机 +86 913 212 3456", "座机 +86 913***3456"),
        ("13911112222 3人同行", "139****2222 3人同行"),
        ("两个号码 13911112222、13822223333", "两个号码 139****2222、138****3333"),
    ],
)
def test_phone_numbers_are_masked_whatever_their_form(comment: str, masked: str) -> None:
    assert mask_phone_numbers(comment) == masked
    assert without_phone_numbers(comment) == masked


@pytest.mark.parametrize(
    "comment",
    ["第20260915期", "2026-09-18 09:30 开始", "3,000 人参加", "评分 5 分，第 2 场", "活动编号 A-123-456", "很好！"],
)
def test_text_without_a_phone_number_is_left_alone(comment: str) -> None:
    assert mask_phone_numbers(comment) == comment


SEPARATORS = st.sampled_from(["", "", " ", "-", "－", "—", ".", "\u200b", "\u3000", " - ", "/", "("])
TEXT = st.text(st.characters(codec="utf-8", categories=["Lo", "Po"], exclude_characters="*"), max_size=8)
PREFIXES = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "＋８６", "(+86)"])


@st.composite
def written(draw: st.DrawFn) -> tuple[str, str, str]:
    """A mobile number as someone might type it: (the comment, the number, its prefix's digits)."""
    number = (
        "1"
        + draw(st.sampled_from("3456789"))
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    )
    out = ""
    for position, digit in enumerate(number):
        out += digit.translate(FULL_WIDTH) if draw(st.booleans()) else digit
        if position < len(number) - 1:
            out += draw(SEPARATORS)
    prefix = draw(PREFIXES)
    comment = draw(TEXT) + prefix + out + draw(TEXT)
    return comment, number, digits(prefix)


@given(written())
def test_no_typed_mobile_number_survives(case: tuple[str, str, str]) -> None:
    comment, number, prefix_digits = case
    masked = mask_phone_numbers(comment)
    assert number not in digits(masked)
    assert digits(masked) == prefix_digits + number[:3] + number[-4:]
    assert masked.count("*") == 4


@given(
    st.lists(st.text("0123456789０１２３", min_size=1, max_size=3), max_size=3).filter(
        lambda groups: len(digits("".join(groups))) <= 9
    ),
    st.lists(SEPARATORS, min_size=3, max_size=3),
    TEXT,
)
def test_short_numbers_such_as_dates_and_counts_are_kept(groups: list[str], separators: list[str], text: str) -> None:
    comment = text + "".join(g + s for g, s in zip(groups, separators, strict=False)) + text
    assert mask_phone_numbers(comment) == comment
