"""Registration's service layer for access: disabling accounts, revoking tokens, the published key set.

A token is refused everywhere once it was issued before its account's ``tokens_not_before``: a
sign-out, an admin's revocation and disabling all move that instant to now. Registration publishes
the instants still in force (younger than the longest token lifetime: an older one can only refuse
tokens that have expired anyway) beside its public key, in its JWKS document; every service's
:class:`~shared.auth.KeySetVerifier` refreshes that document every
``KEPURI_TOKEN_REVOCATION_REFRESH_SECONDS``. Disabling and enabling are audit events.

The document is public, so a flood of requests for it must cost little: it is read from the database at
most once per ``KEPURI_REGISTRATION_JWKS_CACHE_SECONDS`` (1 s) and answered with its age (HTTP ``Age``),
which a verifier counts in (:class:`~shared.auth.JwksVerifier`), so the cache never makes a revocation
take longer than the refresh interval; a revocation made through this process drops the cached copy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import REVOKED_MEMBER
from shared.events.payloads.campaigns import AccountDisabled, AccountEnabled
from shared.runtime import Backbone

from ..adapters import access_store

SOURCE = "/kepuri/registration"
KEY_ID = "registration-1"
OPERATOR = "operator"


class UnknownAccount(LookupError):
    """No account has that id or login."""


class Access:
    """Who may still use their tokens, and the document that tells the other services."""

    def __init__(
        self,
        backbone: Backbone,
        private_pem: bytes,
        ttl: timedelta,
        *,
        published_max_age_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backbone = backbone
        self._private_pem = private_pem
        self._ttl = ttl
        self._max_age = published_max_age_s
        self.clock = clock
        self._published: tuple[float, dict[str, Any]] | None = None  # when it was read, the document
        self._generation = 0  # moved on by every revocation: a read begun before one is not kept
        self._publishing = asyncio.Lock()

    async def revoke(self, account_id: str) -> None:
        """Refuse every token of the account issued until now (a sign-out, or an admin's revocation)."""
        await self._find(account_id)
        await access_store.revoke(self._backbone, account_id, time.time())
        self._drop_published()

    async def disable(self, account_id: str, by: str) -> bool:
        """Disable the account and revoke its tokens; False when it was disabled already (nothing written)."""
        return await self._set_disabled(account_id, True, by)

    async def enable(self, account_id: str, by: str) -> bool:
        """Let a disabled account log in again; False when it was not disabled (nothing written)."""
        return await self._set_disabled(account_id, False, by)

    async def account_id_of(self, login: str) -> str:
        """The id of the account with ``login``, or :class:`UnknownAccount`."""
        found = await access_store.account_id_of(self._backbone, login)
        if found is None:
            raise UnknownAccount(login)
        return found

    async def _set_disabled(self, account_id: str, disabled: bool, by: str) -> bool:
        row = await self._find(account_id)
        if row["disabled"] == disabled:
            return False
        current = await access_store.account_version(self._backbone, account_id)
        model = AccountDisabled if disabled else AccountEnabled
        payload = model(account_id=account_id, role=row["role"], unit_id=row["unit_id"], by=by)
        values: dict[str, Any] = {"disabled": disabled}
        if disabled:
            values["tokens_not_before"] = time.time()
        await access_store.set_disabled(self._backbone, account_id, current, payload, values)
        self._drop_published()
        return True

    async def _find(self, account_id: str) -> Mapping[str, Any]:
        row = await access_store.account_of(self._backbone, account_id)
        if row is None:
            raise UnknownAccount(account_id)
        return row

    def jwks(self) -> dict[str, Any]:
        """The public key as a JSON Web Key Set, for the other services to verify tokens with."""
        private = serialization.load_pem_private_key(self._private_pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the signing key must be Ed25519")
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "EdDSA"}]}

    async def published(self) -> tuple[dict[str, Any], float]:
        """The key set document as ``GET /auth/jwks.json`` publishes it, and its age in seconds.

        Read at most once per ``published_max_age_s`` however many ask at once (never kept when it is 0);
        the age counts from before the read, so it never understates how old the revocations are.
        """
        if self._max_age <= 0:
            return await self.key_set(), 0.0
        published = self._published
        if published is None or self.clock() - published[0] >= self._max_age:
            async with self._publishing:
                published = self._published
                if published is None or self.clock() - published[0] >= self._max_age:
                    generation, taken = self._generation, self.clock()
                    published = (taken, await self.key_set())
                    if generation == self._generation:
                        self._published = published
        return published[1], max(0.0, self.clock() - published[0])

    def _drop_published(self) -> None:
        self._generation += 1
        self._published = None

    async def key_set(self) -> dict[str, Any]:
        """The JWKS document with the revocations in force: ``{"keys": [...], "revoked": [{"sub", "not_before"}]}``.

        RFC 7517 lets a JWK Set carry members a reader does not know; a plain JWKS client ignores it.
        """
        oldest = time.time() - self._ttl.total_seconds()
        rows = await access_store.revoked_since(self._backbone, oldest)
        revoked = [{"sub": account_id, "not_before": not_before} for account_id, not_before in rows]
        return {**self.jwks(), REVOKED_MEMBER: revoked}
