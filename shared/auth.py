"""Access tokens: JWTs signed by registration with an Ed25519 key, verified by every service.

Registration signs (:func:`sign_token`) and publishes its public key as a JWKS document; the other
services verify with :class:`TokenVerifier`. Claims: ``sub`` (account id), ``role`` (organizer,
reviewer, admin), and for organizers ``unit``, for reviewers ``level`` and ``jurisdiction``.
"""

from __future__ import annotations

import asyncio
import time
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
    """A signed access token for ``principal``."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.subject,
        "role": principal.role,
        "iat": now,
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
        """The principal of a valid token; :class:`InvalidToken` otherwise."""
        return self._verified.get(token) or self._verified.put(token, *_principal(token, self._key))


class VerifiedTokens:
    """Tokens already verified, kept until they expire (at most ``size``, the oldest dropped first).

    Checking an Ed25519 signature costs about 150 µs and PyJWT's claim checks as much again, on every
    request; a unit sends the same token for hours. The cache is keyed by the whole token, signature
    included, so only the exact string that was verified is ever accepted from it.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[0] <= time.time():
            del self._entries[token]
            return None
        return entry[1]

    def put(self, token: str, principal: Principal, expires_at: float) -> Principal:
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (expires_at, principal)
        return principal


def _principal(token: str, key: Ed25519PublicKey) -> tuple[Principal, float]:
    """The principal of a valid token and when the token expires (seconds since the epoch)."""
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
    return principal, float(claims["exp"])


class JwksVerifier:
    """Verifies access tokens with the keys of registration's published JWKS document.

    The other services use this: the document is fetched on the first token and again when a token
    names a key id it does not know (a rotated key), at most once per ``min_refresh_seconds``.
    Registration being unreachable makes verification fail with :class:`InvalidToken` (401), never hang.
    """

    def __init__(self, url: str, client: httpx.AsyncClient | None = None, min_refresh_seconds: float = 30.0) -> None:
        self._url = url
        self._client = client
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._verified = VerifiedTokens()

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`InvalidToken` otherwise.

        A token verified once is trusted until it expires, even if its key is withdrawn meanwhile.
        """
        if (principal := self._verified.get(token)) is not None:
            return principal
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key (kid)")
        if kid not in self._keys:
            await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(f"no published key {kid!r}")
        return self._verified.put(token, *_principal(token, key))

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._min_refresh:
                return
            self._fetched_at = time.monotonic()
            try:
                client = self._client or httpx.AsyncClient(timeout=5)
                try:
                    response = await client.get(self._url)
                    response.raise_for_status()
                    document = response.json()
                finally:
                    if self._client is None:
                        await client.aclose()
            except (httpx.HTTPError, ValueError) as exc:
                raise InvalidToken(f"the key set at {self._url} is unavailable: {exc}") from exc
            keys = {}
            for jwk in document.get("keys", []):
                key = jwt.PyJWK(jwk).key
                if isinstance(key, Ed25519PublicKey) and "kid" in jwk:
                    keys[jwk["kid"]] = key
            self._keys = keys
