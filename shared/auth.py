"""Access tokens: JWTs signed by registration with an Ed25519 key, verified by every service.

Registration signs (:func:`sign_token`) and publishes its public key as a JWKS document, with the
revocations in force; every service, registration included, verifies with :class:`KeySetVerifier`.
Claims: ``sub`` (account id), ``role`` (organizer, reviewer, admin), ``iat`` (to the microsecond),
and for organizers ``unit``, for reviewers and level admins ``level`` and ``jurisdiction``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ISSUER = "kepuri-registration"
AUDIENCE = "kepuri"
ALGORITHM = "EdDSA"

Role = Literal["organizer", "reviewer", "admin"]


class InvalidToken(Exception):
    """The token is missing, expired, forged or lacks a claim; the message says which."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the token says."""

    subject: str
    role: Role
    unit_id: str | None = None
    level: str | None = None
    jurisdiction: str | None = None

    @property
    def national_admin(self) -> bool:
        """An admin of the whole country (operations); a level admin (an admin with a jurisdiction) only
        manages the reviewer accounts of the levels below it, inside its jurisdiction."""
        return self.role == "admin" and self.jurisdiction is None


def generate_private_key_pem() -> bytes:
    """A new Ed25519 private key in PKCS#8 PEM (for development and tests)."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(private_pem: bytes) -> bytes:
    """The public key PEM of a private key PEM."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def sign_token(
    private_pem: bytes, principal: Principal, *, ttl: timedelta = timedelta(hours=8), kid: str = "k1"
) -> str:
    """A signed access token for ``principal``, naming its key as ``kid``."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.subject,
        "role": principal.role,
        # to the microsecond, so that a token issued just after a revocation is told from one before
        "iat": now.timestamp(),
        "exp": now + ttl,
    }
    for name, value in (("unit", principal.unit_id), ("level", principal.level), ("jur", principal.jurisdiction)):
        if value is not None:
            claims[name] = value
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be Ed25519")
    return jwt.encode(claims, key, ALGORITHM, headers={"kid": kid})


class TokenVerifier:
    """Verifies access tokens against registration's public key."""

    def __init__(self, public_pem: bytes) -> None:
        key = serialization.load_pem_public_key(public_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the public key must be Ed25519")
        self._key = key
        self._verified = VerifiedTokens()

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`InvalidToken` otherwise (no key id or revocation checks:
        for tests and tools that hold the public key itself)."""
        return (self._verified.get(token) or self._verified.put(token, _principal(token, self._key)))[0]


class VerifiedTokens:
    """Tokens already verified, kept until they expire (at most ``size``, the oldest dropped first).

    Checking an Ed25519 signature costs about 150 µs and PyJWT's claim checks as much again, on every
    request; a unit sends the same token for hours. The cache is keyed by the whole token, signature
    included, so only the exact string that was verified is ever accepted from it.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: dict[str, tuple[float, Principal, float]] = {}

    def get(self, token: str) -> tuple[Principal, float] | None:
        """The principal of a token verified before and when it was issued; None if unknown or expired."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[0] <= time.time():
            del self._entries[token]
            return None
        return entry[1], entry[2]

    def put(self, token: str, verified: VerifiedToken) -> tuple[Principal, float]:
        """Remember a token just verified; its principal and when it was issued."""
        principal, expires_at, issued_at = verified
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (expires_at, principal, issued_at)
        return principal, issued_at


VerifiedToken = tuple[Principal, float, float]  # the principal, when the token expires and when it was issued


def _principal(token: str, key: Ed25519PublicKey) -> VerifiedToken:
    """The principal of a valid token, when the token expires and when it was issued (epoch seconds)."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role = claims.get("role")
    if role not in ("organizer", "reviewer", "admin"):
        raise InvalidToken("the token has no valid role")
    principal = Principal(claims["sub"], role, claims.get("unit"), claims.get("level"), claims.get("jur"))
    issued_at = claims.get("iat")
    return principal, float(claims["exp"]), float(issued_at) if isinstance(issued_at, int | float) else 0.0


REVOKED_MEMBER = "revoked"  # the JWKS document's member listing {"sub", "not_before"} revocations
KeySetSource = Callable[[], Awaitable[Mapping[str, Any]]]
log = logging.getLogger(__name__)


class KeySetUnavailable(Exception):
    """The key set cannot be had and the last copy is too old to trust: retry in ``retry_after`` s (503)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AgedDocument(dict[str, Any]):
    """A key set document and how old it already was when it arrived (``age`` seconds: an HTTP ``Age``)."""

    def __init__(self, document: Mapping[str, Any], age: float = 0.0) -> None:
        super().__init__(document)
        self.age = age


@dataclass(frozen=True)
class KeySet:
    """Registration's public keys by key id, and each revoked subject's not-before (epoch seconds)."""

    keys: Mapping[str, Ed25519PublicKey]
    revoked: Mapping[str, float]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> KeySet:
        """Read a JWKS document (keys without a ``kid`` or not Ed25519 are skipped) and its revocations."""
        keys = {}
        for jwk in document.get("keys", []):
            key = jwt.PyJWK(jwk).key
            if isinstance(key, Ed25519PublicKey) and isinstance(jwk.get("kid"), str):
                keys[jwk["kid"]] = key
        revoked = {str(entry["sub"]): float(entry["not_before"]) for entry in document.get(REVOKED_MEMBER, [])}
        return cls(keys, revoked)


class KeySetVerifier:
    """Verifies access tokens with registration's key set, refusing revoked ones; every service uses it.

    ``source`` gives the JWKS document (registration reads its own database, the other services fetch
    it over HTTP: :class:`JwksVerifier`). A copy older than ``refresh_seconds`` is fetched again before
    the next token is checked, so a revocation takes effect everywhere within that time (a document that
    arrives already ``age`` seconds old, an :class:`AgedDocument`, counts as fetched that long ago). When a fetch
    fails, the old copy serves for one more ``refresh_seconds`` (a registration restart goes unnoticed);
    after that, or with no copy at all, verification raises :class:`KeySetUnavailable` (a 503, never a
    401: the token may be fine). A token must name a published key (``kid``) and must not be issued
    before its subject's not-before; a token verified once is remembered until it expires, but its
    revocation is checked on every use.
    """

    def __init__(
        self,
        source: KeySetSource,
        *,
        refresh_seconds: float = 15.0,
        what: str = "the key set",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._clock = clock
        self._refresh = refresh_seconds
        self._what = what
        self._key_set: KeySet | None = None
        self._fetched_at = float("-inf")
        self._retry_at = float("-inf")
        self._lock = asyncio.Lock()
        self._verified = VerifiedTokens()

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`InvalidToken` or :class:`KeySetUnavailable` otherwise."""
        key_set = await self._current()
        verified = self._verified.get(token)
        if verified is None:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
            except jwt.PyJWTError as exc:
                raise InvalidToken(str(exc)) from exc
            if not isinstance(kid, str):
                raise InvalidToken("the token names no key (kid)")
            key = key_set.keys.get(kid)
            if key is None:
                raise InvalidToken(f"no published key {kid!r}")
            verified = self._verified.put(token, _principal(token, key))
        principal, issued_at = verified
        not_before = key_set.revoked.get(principal.subject)
        if not_before is not None and issued_at < not_before:
            raise InvalidToken("the token was revoked (signed out, or the account was disabled)")
        return principal

    async def _current(self) -> KeySet:
        if self._key_set is not None and self._clock() - self._fetched_at < self._refresh:
            return self._key_set
        async with self._lock:
            now = self._clock()
            if self._key_set is not None and now - self._fetched_at < self._refresh:
                return self._key_set  # another request fetched it meanwhile
            if now >= self._retry_at:
                try:
                    document = await self._source()
                    # never counted older than half the refresh: a misreported age must not make every check fetch
                    age = min(document.age, self._refresh / 2) if isinstance(document, AgedDocument) else 0.0
                    self._key_set, self._fetched_at = KeySet.from_document(document), now - max(0.0, age)
                    return self._key_set
                except Exception as exc:  # whatever the source's failure, the answer is "not now"
                    self._retry_at = now + 1.0
                    log.warning("%s is unavailable: %s", self._what, exc)
                    failure = f"{self._what} is unavailable: {exc}"
            else:
                failure = f"{self._what} was unavailable a moment ago"
            if self._key_set is not None and now - self._fetched_at < 2 * self._refresh:
                return self._key_set
            raise KeySetUnavailable(failure, retry_after=max(1, math.ceil(self._retry_at - now)))


class JwksVerifier(KeySetVerifier):
    """A :class:`KeySetVerifier` fetching registration's published JWKS document from ``url``; the answer's
    ``Age`` (registration shares one read among callers for a second or so) counts in the copy's age."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient | None = None,
        *,
        refresh_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._client = client
        super().__init__(self._fetch, refresh_seconds=refresh_seconds, what=f"the key set at {url}", clock=clock)

    async def _fetch(self) -> Mapping[str, Any]:
        client = self._client or httpx.AsyncClient(timeout=5)
        try:
            response = await client.get(self._url)
            response.raise_for_status()
            document = response.json()
        finally:
            if self._client is None:
                await client.aclose()
        if not isinstance(document, dict):
            raise ValueError("the key set is not a JSON object")
        age = response.headers.get("Age", "")
        return AgedDocument(document, float(age) if age.isdigit() else 0.0)
