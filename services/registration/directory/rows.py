"""The directory's rows: the columns an activity's listing gives, and the state that makes it public."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .geo import band_of, unit_vector
from .listing import Listing, RegionCentres
from .search import document_tokens, tsvector_literal

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
COUNTERS = ("check_ins", "ratings", "rating_sum")
LISTING_COLUMNS = (
    "region_code",
    "province",
    "city",
    "starts_at",
    "ends_at",
    "format",
    "category",
    "programme",
    "themes",
    "target_groups",
    "key_activity",
    "latitude",
    "longitude",
    "x",
    "y",
    "z",
    "band",
    "data",
    "search_vector",
)
ENTRY_COLUMNS = (
    "doc_id",
    "version",
    "review_version",
    "review",
    "auto_approved",
    "withdrawn",
    "public",
    "campaign_id",
    "registered_at",
)
# Columns an event changes; counters are added to, never overwritten (see the projection).
STATE_COLUMNS = ENTRY_COLUMNS + LISTING_COLUMNS


def stub_doc_id(activity_id: str) -> int:
    """The ``doc_id`` of a row without a listing, and of every new row on PostgreSQL: -2⁶¹ to -1, from
    a hash of the id. Rows with a listing on SQLite are numbered in listing order instead (order.py).

    Two ids of 500,000 share a number with a probability near 10⁻⁷; the column is unique, so that
    would fail loudly (dead letter), never mix two rows.
    """
    digest = hashlib.blake2b(activity_id.encode(), digest_size=8).digest()
    return -1 - (int.from_bytes(digest, "big") >> 3)


def tags(values: list[str]) -> str:
    """A list as one filterable string, ``|a|b|``, case-folded (a filter looks for ``|value|``)."""
    return "|" + "|".join(v.casefold() for v in values) + "|" if values else ""


def utc(moment: datetime) -> datetime:
    # SQLite's DATETIME keeps no offset: every backend stores and compares UTC.
    return moment.astimezone(UTC)


def is_public(listed: bool, withdrawn: bool, review: str, auto_approved: bool) -> bool:
    """Whether the directory shows an activity: registered (its listing known), not withdrawn, and
    approved (or auto-approved and never reviewed)."""
    return listed and not withdrawn and (review == APPROVED or (review == PENDING and auto_approved))


@dataclass
class Entry:
    """One activity as the projection folds events into it."""

    activity_id: str
    version: int = 0
    review_version: int = 0
    review: str = PENDING
    auto_approved: bool = False
    withdrawn: bool = False
    campaign_id: str | None = None
    registered_at: datetime | None = None
    listing: Listing | None = None
    doc_id: int | None = None  # None: a new row (a stub's number unless SQLite numbers it, order.py)
    # What the SQLite search index holds for it: the listing, campaign and rowid it was indexed with.
    indexed: Listing | None = field(default=None, repr=False)
    indexed_campaign: str | None = field(default=None, repr=False)
    indexed_doc_id: int | None = field(default=None, repr=False)

    @property
    def public(self) -> bool:
        """Registered, not withdrawn, and approved (or auto-approved and never reviewed)."""
        return is_public(self.listing is not None, self.withdrawn, self.review, self.auto_approved)

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> Entry:
        listing = Listing.model_validate_json(row["data"]) if row["data"] else None
        registered_at = row["registered_at"]
        if registered_at is not None and registered_at.tzinfo is None:
            registered_at = registered_at.replace(tzinfo=UTC)
        return cls(
            activity_id=row["activity_id"],
            version=row["version"],
            review_version=row["review_version"],
            review=row["review"],
            auto_approved=bool(row["auto_approved"]),
            withdrawn=bool(row["withdrawn"]),
            campaign_id=row["campaign_id"],
            registered_at=registered_at,
            listing=listing,
            doc_id=row["doc_id"],
            indexed=listing,
            indexed_campaign=row["campaign_id"],
            indexed_doc_id=row["doc_id"],
        )

    def row(self, centres: RegionCentres, dialect: str) -> dict[str, Any]:
        """Every column but the counters."""
        listing = listing_columns(self.listing, centres, dialect) if self.listing else _NO_LISTING
        return self._entry_columns() | listing

    def _entry_columns(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "doc_id": self.doc_id if self.doc_id is not None else stub_doc_id(self.activity_id),
            "version": self.version,
            "review_version": self.review_version,
            "review": self.review,
            "auto_approved": self.auto_approved,
            "withdrawn": self.withdrawn,
            "public": self.public,
            "campaign_id": self.campaign_id,
            "registered_at": utc(self.registered_at) if self.registered_at else None,
        }


def listing_columns(listing: Listing, centres: RegionCentres, dialect: str) -> dict[str, Any]:
    """The columns search, filters and near-me read, from the listing."""
    position = listing.position(centres)
    x, y, z = unit_vector(*position) if position else (None, None, None)
    code = listing.region_code
    return {
        "region_code": code,
        "province": code[:2],
        "city": code[:4] if len(code) >= 4 else None,
        "starts_at": utc(listing.starts_at),
        "ends_at": utc(listing.ends_at),
        "format": listing.format,
        "category": listing.category,
        "programme": listing.programme,
        "themes": tags(listing.themes),
        "target_groups": tags(listing.target_groups),
        "key_activity": listing.key_activity,
        "latitude": position[0] if position else None,
        "longitude": position[1] if position else None,
        "x": x,
        "y": y,
        "z": z,
        "band": band_of(position[0]) if position else None,
        "data": listing.model_dump_json(),
        "search_vector": tsvector_literal(document_tokens(listing.searchable())) if dialect == "postgresql" else None,
    }


_NO_LISTING: dict[str, Any] = dict.fromkeys(LISTING_COLUMNS) | {"key_activity": False}


def stub(activity_id: str) -> dict[str, Any]:
    """A row for an activity only counted or reviewed so far (its registration has not arrived)."""
    return _STUB | {"activity_id": activity_id, "doc_id": stub_doc_id(activity_id)}


# Only the columns that cannot be NULL: fewer parameters on the busiest write of the view.
_STUB = {
    "version": 0,
    "review_version": 0,
    "review": PENDING,
    "auto_approved": False,
    "withdrawn": False,
    "public": False,
    "key_activity": False,
} | dict.fromkeys(COUNTERS, 0)
