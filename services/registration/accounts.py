"""Registration's service layer for units and accounts: sign-up, login, and the published key."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from shared.auth import Principal, Role, sign_token
from shared.events import CATALOG
from shared.observability.logging import correlation_id
from shared.runtime import Backbone
from shared.store import AggregateAppend, Changes, Insert, sync_reading

from .adapters.tables import accounts, unit_contacts
from .domain.rules import Regions, RuleBroken
from .domain.unit import Level, SignUpUnit, rule_for_staff, sign_up

SOURCE = "/kepuri/registration"
KEY_ID = "registration-1"


class InvalidCredentials(Exception):
    """The login or the password is wrong (which one is not said)."""


class TooManyAttempts(Exception):
    """Too many failed logins; ``retry_after`` seconds until the next attempt is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class LoginThrottle:
    """Failed logins per (login, client address) in a sliding window; over the limit, logins wait."""

    def __init__(self, allowed: int, window_seconds: int) -> None:
        self._allowed = allowed
        self._window = window_seconds
        self._failures: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)

    def check(self, login: str, client: str) -> None:
        failures = self._failures[(login, client)]
        now = time.monotonic()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) >= self._allowed:
            raise TooManyAttempts(int(failures[0] + self._window - now) + 1)

    def failed(self, login: str, client: str) -> None:
        self._failures[(login, client)].append(time.monotonic())

    def succeeded(self, login: str, client: str) -> None:
        self._failures.pop((login, client), None)


class Accounts:
    """Units sign up and accounts log in; tokens are signed with registration's Ed25519 key."""

    def __init__(
        self,
        backbone: Backbone,
        regions: Regions,
        private_pem: bytes,
        ttl: timedelta,
        throttle: LoginThrottle,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._backbone = backbone
        self._regions = regions
        self._private_pem = private_pem
        self._ttl = ttl
        self._throttle = throttle
        self._hasher = hasher or PasswordHasher()

    async def sign_up(self, command: SignUpUnit) -> tuple[str, str]:
        """Register a unit and its organizer account; returns (unit id, account id).

        The login (the contact phone) is unique: a second sign-up with it fails with
        :class:`~shared.store.IntegrityViolation` and writes nothing.
        """
        unit_id, account_id = uuid.uuid4().hex, uuid.uuid4().hex
        payload = sign_up(unit_id, command, self._regions)
        password_hash = await asyncio.to_thread(self._hasher.hash, command.password)
        envelope = CATALOG.envelope(
            payload, subject=unit_id, sequence=1, source=SOURCE, correlationid=correlation_id.get()
        )
        now = datetime.now(UTC)
        changes = Changes(
            appends=[AggregateAppend(unit_id, 0, [envelope])],
            inserts=[
                Insert(
                    accounts,
                    {
                        "account_id": account_id,
                        "login": command.contact_phone,
                        "password_hash": password_hash,
                        "role": "organizer",
                        "unit_id": unit_id,
                        "created_at": now,
                    },
                ),
                Insert(
                    unit_contacts,
                    {
                        "unit_id": unit_id,
                        "contact_name": command.contact_name,
                        "contact_phone": command.contact_phone,
                    },
                ),
            ],
        )
        await self._backbone.writer.submit(changes)
        return unit_id, account_id

    async def create_staff(
        self, login: str, password: str, role: Role, level: Level | None = None, jurisdiction: str | None = None
    ) -> str:
        """Create an admin or reviewer account (an operator's command); returns the account id.

        Admins are national. A reviewer belongs to a reviewing body with a ``level`` and a
        ``jurisdiction``: a region-code prefix, or for a national society ``society:<field>``.
        A login that exists fails with :class:`~shared.store.IntegrityViolation`.
        """
        rule_for_staff(role, level, jurisdiction, self._regions)
        if len(password) < 10:
            raise RuleBroken("password", "密码至少 10 位 (the password needs at least 10 characters)")
        account_id = uuid.uuid4().hex
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        row = {
            "account_id": account_id,
            "login": login,
            "password_hash": password_hash,
            "role": role,
            "unit_id": None,
            "level": "national" if role == "admin" else level,
            "jurisdiction": None if role == "admin" else jurisdiction,
            "created_at": datetime.now(UTC),
        }
        await self._backbone.writer.submit(Changes(inserts=[Insert(accounts, row)]))
        return account_id

    async def login(self, login: str, password: str, client: str) -> str:
        """An access token for the account, or :class:`InvalidCredentials` / :class:`TooManyAttempts`."""
        self._throttle.check(login, client)
        query = select(accounts).where(accounts.c.login == login)
        row = await sync_reading(self._backbone.engine, lambda c: c.execute(query).mappings().first())
        if row is None or not await asyncio.to_thread(self._verify, row["password_hash"], password):
            self._throttle.failed(login, client)
            raise InvalidCredentials()
        self._throttle.succeeded(login, client)
        principal = Principal(row["account_id"], row["role"], row["unit_id"], row["level"], row["jurisdiction"])
        return sign_token(self._private_pem, principal, ttl=self._ttl, kid=KEY_ID)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def jwks(self) -> dict[str, Any]:
        """The public key as a JSON Web Key Set, for the other services to verify tokens with."""
        private = serialization.load_pem_private_key(self._private_pem, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the signing key must be Ed25519")
        jwk = jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "EdDSA"}]}

    @property
    def ttl(self) -> timedelta:
        return self._ttl
