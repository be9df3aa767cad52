"""Masked forms of personal data, the only forms allowed on the general topics (DESIGN §4)."""

from __future__ import annotations


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
