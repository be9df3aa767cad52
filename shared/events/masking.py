"""Masked forms of personal data, the only forms allowed on the general topics (DESIGN §4)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


def mask_phone(phone: str) -> str:
    """A phone number with all but its first three and last four digits hidden: 138****5678."""
    digits = phone.replace("-", "").replace(" ", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(name: str) -> str:
    """A person's name with all but its first character hidden: 张** for 张三丰."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


# Phone numbers in free text (public feedback comments). A reader pieces a number together from its
# digits whatever sits between them, so the text is read as a reader would: every character NFKC-folded
# (full-width ０-９ and ＋, circled and other compatibility digits), any Unicode decimal digit taken as
# its value, and runs of digits joined across separators (spaces of any width, dashes, dots, slashes,
# brackets, zero-width and other format characters). Inside a run, mobile numbers are found at any
# offset (so a +86 / 0086 / 86 prefix or a stray digit cannot hide one), landlines (0 + area code +
# number, 10-12 digits, or 9-11 digits after +86 / 0086) where a group of digits starts and ends.
_MOBILE = re.compile(r"(?=(1[3-9]\d{9}))")
_SEPARATORS = frozenset("-.·/()_")


def _separator(char: str) -> bool:
    return char in _SEPARATORS or char.isspace() or unicodedata.category(char) in ("Pd", "Cf", "Zs")


@dataclass
class _Run:
    """A run of digits and separators: its digits (ASCII), where each came from in the text, and at
    which digit each group (digits between separators) starts."""

    plus: bool = False
    digits: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    groups: set[int] = field(default_factory=set)

    def phones(self) -> list[tuple[int, int]]:
        """The digit intervals [start, end) that form a phone number, overlapping ones merged."""
        text = "".join(self.digits)
        found = [(m.start(1), m.end(1)) for m in _MOBILE.finditer(text)]
        ends = {g for g in self.groups if g > 0} | {len(text)}
        for start in self.groups:
            if text[start] == "0" and text[start + 1 : start + 2] != "0":
                found += [(start, start + n) for n in (10, 11, 12) if start + n in ends]
        prefix = 4 if text.startswith("0086") else 2 if self.plus and text.startswith("86") else 0
        if prefix and text[prefix : prefix + 1] not in ("", "0"):
            found += [(prefix, prefix + n) for n in (9, 10, 11) if prefix + n in ends]
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _runs(text: str) -> list[_Run]:
    runs: list[_Run] = []
    current: _Run | None = None
    after_separator = False
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char):
            if folded.isdecimal():
                if current is None:
                    current = _Run()
                    runs.append(current)
                if after_separator or not current.digits:
                    current.groups.add(len(current.digits))
                current.digits.append(str(unicodedata.decimal(folded)))
                current.origins.append(index)
                after_separator = False
            elif folded == "+" and (current is None or not current.digits):
                current = _Run(plus=True)
                runs.append(current)
            elif current is not None and _separator(folded):
                after_separator = True
            else:
                current, after_separator = None, False
    return runs


def mask_phone_numbers(text: str) -> str:
    """``text`` with every mainland phone number in it masked as :func:`mask_phone` masks one.

    A number counts whatever separates its digits (spaces, dashes, dots, brackets, zero-width
    characters), whatever digits it is written in (full-width and other Unicode digits are folded
    with NFKC) and with or without a +86 / 0086 prefix (the prefix is kept, the number masked). The
    masked number is written with ASCII digits and no separators; the rest of the text is unchanged,
    and runs of digits too short to be a phone number (dates, counts) are left alone.
    """
    spans: list[tuple[int, int, str]] = []
    for run in _runs(text):
        for start, end in run.phones():
            masked = mask_phone("".join(run.digits[start:end]))
            spans.append((run.origins[start], run.origins[end - 1] + 1, masked))
    for first, last, masked in reversed(spans):
        text = text[:first] + masked + text[last:]
    return text
