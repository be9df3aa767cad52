"""Organizer units and their accounts: signing up, and the rules a sign-up must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from shared.events.masking import mask_name, mask_phone
from shared.events.payloads.campaigns import UnitRegistered

from .errors import RuleBroken
from .rules import Regions, require_region

UnitType = Literal["school", "company", "institute", "hospital", "museum", "society", "government", "other"]

Level = Literal["county", "city", "province", "national"]
LEVEL_DIGITS = {"county": 6, "city": 4, "province": 2}
SOCIETY = "society:"
MINISTRY = "ministry:"  # 部委系统: a ministry's own system recommends as a body of its own kind
UNIT_BODY = "unit:"  # 各有关单位: a national unit that recommends of its own
NATIONAL_BODIES = (SOCIETY, MINISTRY, UNIT_BODY)
ADMIN_LEVELS = ("province", "city")  # level admins; a county has no level below it to manage
LEVEL_NAMES = {"county": "县级", "city": "市级", "province": "省级", "national": "全国"}

# A staff account's login (operators and admins choose it): 3 to 32 characters.
STAFF_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,31}$")

# Mainland mobile numbers, or landlines with their area code (0xx-xxxxxxxx).
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # a code can only be texted to a mobile
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class SignUpUnit:
    """Command: an organizer unit creates its account."""

    name: str
    unit_type: UnitType
    region_code: str
    contact_name: str
    contact_phone: str
    password: str


def sign_up(unit_id: str, command: SignUpUnit, regions: Regions) -> UnitRegistered:
    """Decide a unit's registration; its contact travels masked, the clear values stay in registration."""
    require_region(regions, command.region_code)
    if not PHONE.match(command.contact_phone):
        raise RuleBroken("contact_phone", "联系电话格式不正确 (not a mainland mobile or landline number)")
    return UnitRegistered(
        unit_id=unit_id,
        name=command.name,
        unit_type=command.unit_type,
        region_code=command.region_code,
        contact_name_masked=mask_name(command.contact_name),
        contact_phone_masked=mask_phone(command.contact_phone),
    )


def place_staff(
    role: str, login: str, level: str | None, jurisdiction: str | None, regions: Regions
) -> tuple[Level | None, str | None]:
    """Refuse a malformed staff login, or a level and jurisdiction that do not fit the role; the
    account's level and jurisdiction (an admin's are national and none). ``kepuri staff create`` and
    ``POST /api/v1/accounts`` both decide here."""
    if not STAFF_LOGIN.match(login):
        raise RuleBroken(
            "login",
            "登录名为 3 到 32 位字母、数字或 . _ @ -，以字母或数字开头 "
            "(login: 3 to 32 letters, digits or . _ @ -, starting with a letter or digit)",
        )
    if role == "admin":
        if level in (None, "national") and jurisdiction is None:
            return "national", None
        if jurisdiction is None:
            raise RuleBroken(
                "level",
                "全国管理员不填级别；地方管理员须同时填级别和管辖 (admins are national; a level admin needs a jurisdiction too)",
            )
        if level not in ADMIN_LEVELS:
            raise RuleBroken(
                "jurisdiction",
                "只有省级、市级地方管理员有管辖，全国管理员不填 (only a province or city admin has a jurisdiction)",
            )
    rule_for_staff(role, level, jurisdiction, regions)
    return cast(Level, level), jurisdiction


def rule_for_staff(role: str, level: str | None, jurisdiction: str | None, regions: Regions) -> None:
    """Refuse a staff account whose level and jurisdiction do not fit together.

    An admin is national and needs neither. A reviewer at county, city or province level has as
    jurisdiction a division code of that level; a national reviewer is either a national body
    (no jurisdiction: the whole country) or a national society (``society:<field>``).
    """
    if role == "admin" and level in (None, "national") and jurisdiction is None:
        return
    if role not in ("reviewer", "admin"):
        raise RuleBroken("role", "只能创建 admin 或 reviewer 账号 (staff accounts are admins or reviewers)")
    if level not in ("county", "city", "province", "national"):
        raise RuleBroken("level", "审核级别须为 county、city、province 或 national")
    if level == "national":
        if jurisdiction is not None and not any(
            jurisdiction.startswith(kind) and len(jurisdiction) > len(kind) for kind in NATIONAL_BODIES
        ):
            raise RuleBroken(
                "jurisdiction",
                "国家级审核单位的管辖为全国，或全国学会 society:<领域>、部委系统 ministry:<部委>、有关单位 unit:<单位>",
            )
        return
    if jurisdiction is None or len(jurisdiction) != LEVEL_DIGITS[level]:
        raise RuleBroken(
            "jurisdiction",
            f"{LEVEL_NAMES[level]}审核单位的管辖须为 {LEVEL_DIGITS[level]} 位行政区划代码 (a {level} division code)",
        )
    require_region(regions, jurisdiction)
