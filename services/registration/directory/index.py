"""SQLite's search index (FTS5): one document per activity that has a listing, public or not.

A document is the listing's text tokens (search.py) followed by *filter tokens*: the activity's
province, city and county codes and its campaign. A filter token starts with ``·`` (U+00B7), which
is neither a letter, a digit nor a CJK character, so no query term ever produces or prefixes one;
the ``ascii`` tokenizer keeps it inside the token like any non-ASCII character. A search with a
region or a campaign then asks the index for both (``"科普" AND "·r440106"``) and FTS5 intersects
the two lists, instead of walking every match of a common word to find the few in one county.

Rows are numbered in listing order (order.py), so FTS5, which answers in rowid order, hands a
search its first page straight away. Contentless (no copy of the text): removing a document needs
its tokens, which :func:`document` rebuilds from the listing the view holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..adapters.tables import DIRECTORY_SEARCH
from .listing import Listing
from .search import Term, document_tokens, fts5_document, fts5_match

MARK = "\u00b7"
DELETE = f"INSERT INTO {DIRECTORY_SEARCH}({DIRECTORY_SEARCH}, rowid, tokens) VALUES ('delete', :rowid, :tokens)"
INSERT = f"INSERT INTO {DIRECTORY_SEARCH}(rowid, tokens) VALUES (:rowid, :tokens)"


def region_tokens(code: str) -> list[str]:
    """The tokens the province, city and county filters look for (digits only: the API's region codes)."""
    levels = {code[:2], code[:4] if len(code) >= 4 else code[:2], code}
    return [f"{MARK}r{level}" for level in sorted(levels) if level.isascii() and level.isdigit()]


def campaign_token(campaign_id: str) -> str:
    """The token of a campaign (hex, so any id is one token)."""
    return f"{MARK}c{campaign_id.encode().hex()}"


def document(listing: Listing, campaign_id: str | None) -> str:
    """The FTS5 text of an activity: its searchable text, then its filter tokens."""
    tokens = document_tokens(listing.searchable())
    tokens += region_tokens(listing.region_code)
    if campaign_id:
        tokens.append(campaign_token(campaign_id))
    return fts5_document(tokens)


def match(terms: Sequence[Term], region: str | None, campaign_id: str | None) -> str:
    """The MATCH expression of a search: its text and, as tokens, its region and campaign filters."""
    parts = [fts5_match(terms)] if terms else []
    if region and region.isascii() and region.isdigit():
        parts.append(f'"{MARK}r{region}"')
    if campaign_id:
        parts.append(f'"{campaign_token(campaign_id)}"')
    return " AND ".join(parts)


def filters_in_match(region: str | None, campaign_id: str | None) -> bool:
    """Whether :func:`match` carries a filter (then the index can answer it with the text)."""
    return bool(campaign_id) or bool(region and region.isascii() and region.isdigit())


@dataclass(frozen=True, slots=True)
class Document:
    """A document as the index holds it, or is to hold it."""

    rowid: int
    tokens: str


def write(connection: Connection, removed: list[Document], added: list[Document]) -> None:
    """Remove documents (with the tokens they were added with), then add documents."""
    if removed:
        connection.execute(text(DELETE), [{"rowid": d.rowid, "tokens": d.tokens} for d in removed])
    if added:
        connection.execute(text(INSERT), [{"rowid": d.rowid, "tokens": d.tokens} for d in added])
