"""Full-text search that works for Chinese, with one meaning on SQLite and PostgreSQL.

Neither SQLite's FTS5 nor PostgreSQL's text search segments Chinese, and a dictionary segmenter
(jieba and the like) misses names it has never seen: an organizer's name or a village is exactly
what people type. So text is tokenized here, in Python, the same way for both databases:

- each run of CJK characters becomes its overlapping bigrams followed by its last character alone
  (全国科普日 → 全国 国科 科普 普日 日), one token per character position;
- each run of other letters and digits becomes one lower-cased word (NFKC first, so full-width
  Ｓｃｉｅｎｃｅ and ２０２４ read as science and 2024).

A query term is a run of the query: a CJK run of two or more characters is the *phrase* of its
bigrams (consecutive positions), a single CJK character or a word matches any token it begins. So a
CJK query matches exactly the texts that contain it as a substring, a word query the texts with a
word that starts with it (robot finds Robotics), and a query with several terms needs all of them.
Bigrams keep the posting lists short (a character like 科 is in almost every activity, 科普 in
fewer, 科普日 needs two lists), and the trailing character lets one-character queries work without
indexing every character twice. Each field is tokenized on its own, so no bigram spans two fields.

The token stream is stored as an FTS5 row (``ascii`` tokenizer: tokens are separated by spaces and
every non-ASCII character is part of a token) on SQLite and as a ``tsvector`` literal with
positions (no parser, no stemming, no stop words) on PostgreSQL; queries are FTS5 MATCH strings and
``tsquery`` literals with ``<->`` phrases. Changing this tokenizer means rebuilding the directory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# CJK unified ideographs (extension A, the main block, compatibility, extensions B–G) and 〇.
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
MAX_WORD = 40
# PostgreSQL keeps token positions up to 16,383; both databases index the same first tokens.
MAX_TOKENS = 16_000
MAX_TERMS = 16


@dataclass(frozen=True, slots=True)
class Term:
    """One query term: consecutive ``tokens`` (a phrase), or a single token matched as a prefix."""

    tokens: tuple[str, ...]
    prefix: bool


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    for match in _RUN.finditer(_normalize(text)):
        cjk = match.group("cjk")
        yield (True, cjk) if cjk else (False, match.group("word")[:MAX_WORD])


def _cjk_tokens(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def document_tokens(fields: Iterable[str | None]) -> list[str]:
    """The token stream of a document made of ``fields`` (None and empty fields add nothing)."""
    tokens: list[str] = []
    for field in fields:
        if not field:
            continue
        for cjk, run in _runs(field):
            tokens.extend(_cjk_tokens(run) if cjk else (run,))
        if len(tokens) >= MAX_TOKENS:
            return tokens[:MAX_TOKENS]
    return tokens


def query_terms(text: str) -> tuple[Term, ...]:
    """The terms of a search box's text, duplicates dropped; empty when it has nothing searchable."""
    terms: dict[Term, None] = {}
    for cjk, run in _runs(text):
        if cjk and len(run) > 1:
            term = Term(tuple(_cjk_tokens(run)[:-1]), prefix=False)
        else:
            term = Term((run,), prefix=True)
        terms.setdefault(term, None)
    return tuple(terms)[:MAX_TERMS]


def fts5_document(tokens: Iterable[str]) -> str:
    """The text of an FTS5 row for ``tokens`` (the ``ascii`` tokenizer splits it on the spaces)."""
    return " ".join(tokens)


def fts5_match(terms: Iterable[Term]) -> str:
    """An FTS5 MATCH expression requiring every term (tokens never contain quotes or spaces)."""
    return " AND ".join(f'"{" ".join(t.tokens)}"' + ("*" if t.prefix else "") for t in terms)


def tsvector_literal(tokens: Iterable[str]) -> str:
    """A ``tsvector`` literal with each token at its position, cast as is (nothing normalized)."""
    return " ".join(f"'{token}':{position}" for position, token in enumerate(tokens, start=1))


def tsquery_literal(terms: Iterable[Term]) -> str:
    """A ``tsquery`` literal requiring every term: phrases with ``<->``, prefixes with ``:*``."""
    parts = []
    for term in terms:
        if term.prefix:
            parts.append(f"'{term.tokens[0]}':*")
        else:
            parts.append("(" + " <-> ".join(f"'{token}'" for token in term.tokens) + ")")
    return " & ".join(parts)
