"""An exportable table: its Chinese columns, its title, and who may read it (its rows: ``adapters/export_queries.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .filters import ExportFilter

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    """One column: its header, its width in an XLSX sheet, and its value from a row of the query.

    A column without ``value`` is a serial number (序号), counted from 1 by the writer.
    """

    header: str
    width: int = 12
    value: Callable[[Row], object] | None = None


@dataclass(frozen=True)
class ExportTable:
    """A table of the export registry (see :mod:`.catalog`)."""

    name: str
    summary: str
    title: Callable[[ExportFilter], str]
    columns: tuple[Column, ...]
    contacts: bool = False  # it carries (masked) contacts: staff only
    preamble: tuple[str, ...] = ()  # lines between an XLSX sheet's title and its header row
    headers: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", tuple(c.header for c in self.columns))

    def values(self, rows: Iterable[Any], counted: int) -> list[list[object]]:
        """The rows' cells, serial numbers going on from ``counted``."""
        out: list[list[object]] = []
        getters = [c.value for c in self.columns]
        for number, row in enumerate(rows, start=counted + 1):
            out.append([number if get is None else get(row) for get in getters])
        return out
