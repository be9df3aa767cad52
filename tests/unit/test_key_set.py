"""Every service verifies tokens on registration's key set: a key id is required and must be published,
a revoked subject's older tokens are refused once the set is refreshed, and a key set that cannot be
had is "unavailable" (a 503), never "invalid" (a 401)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.auth import (
    InvalidToken,
    KeySetUnavailable,
    KeySetVerifier,
    Principal,
    generate_private_key_pem,
    sign_token,
)

KEY = generate_private_key_pem()
ORGANIZER = Principal("account-1", "organizer", unit_id="unit-1")


def jwks(private_pem: bytes, kid: str = "registration-1") -> dict[str, Any]:
    key = serialization.load_pem_private_key(private_pem, password=None)
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)  # type: ignore[arg-type]
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"}]}


class Registration:
    """What registration publishes, as a test changes it; ``up`` False makes every fetch fail."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {**jwks(KEY), "revoked": []}
        self.up = True
        self.fetches = 0

    async def fetch(self) -> Mapping[str, Any]:
        self.fetches += 1
        if not self.up:
            raise ConnectionRefusedError("registration is down")
        return self.document

    def revoke(self, subject: str, at: float) -> None:
        self.document = {**self.document, "revoked": [{"sub": subject, "not_before": at}]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def registration() -> Registration:
    return Registration()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(registration: Registration, clock: Clock) -> KeySetVerifier:
    return KeySetVerifier(registration.fetch, refresh_seconds=15, clock=clock)


async def test_a_token_without_a_key_id_or_with_an_unknown_one_is_refused(verifier: KeySetVerifier) -> None:
    key = serialization.load_pem_private_key(KEY, password=None)
    claims = {"iss": "kepuri-registration", "aud": "kepuri", "sub": "a", "role": "admin", "exp": time.time() + 60}
    without_kid = jwt.encode(claims, key, "EdDSA")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken, match="names no key"):
        await verifier.verify(without_kid)
    with pytest.raises(InvalidToken, match="no published key"):
        await verifier.verify(sign_token(KEY, ORGANIZER, kid="another-key"))
    assert await verifier.verify(sign_token(KEY, ORGANIZER, kid="registration-1")) == ORGANIZER


async def test_a_revoked_subjects_older_tokens_are_refused_once_the_set_is_refreshed(
    verifier: KeySetVerifier, registration: Registration, clock: Clock
) -> None:
    token = sign_token(KEY, ORGANIZER, kid="registration-1")
    assert await verifier.verify(token) == ORGANIZER  # now verified, and remembered
    registration.revoke(ORGANIZER.subject, at=time.time())
    clock.now += 14.9
    assert await verifier.verify(token) == ORGANIZER  # the copy is not 15 s old yet
    clock.now += 0.2
    with pytest.raises(InvalidToken, match="revoked"):
        await verifier.verify(token)
    after = sign_token(KEY, ORGANIZER, kid="registration-1")  # a token issued after the revocation
    assert await verifier.verify(after) == ORGANIZER
    other = Principal("account-2", "reviewer", level="city", jurisdiction="6105")
    assert await verifier.verify(sign_token(KEY, other, kid="registration-1")) == other
    assert registration.fetches == 2


async def test_with_no_key_set_at_all_verification_is_unavailable_not_invalid(
    verifier: KeySetVerifier, registration: Registration, clock: Clock
) -> None:
    registration.up = False
    token = sign_token(KEY, ORGANIZER, kid="registration-1")
    with pytest.raises(KeySetUnavailable) as unavailable:
        await verifier.verify(token)
    assert unavailable.value.retry_after >= 1 and not isinstance(unavailable.value, InvalidToken)
    with pytest.raises(KeySetUnavailable):  # within the back-off, without asking registration again
        await verifier.verify(token)
    assert registration.fetches == 1
    clock.now += 1.0
    registration.up = True
    assert await verifier.verify(token) == ORGANIZER


async def test_an_old_copy_serves_one_more_interval_while_registration_is_down_then_it_is_unavailable(
    verifier: KeySetVerifier, registration: Registration, clock: Clock
) -> None:
    token = sign_token(KEY, ORGANIZER, kid="registration-1")
    assert await verifier.verify(token) == ORGANIZER
    registration.up = False
    clock.now += 20  # past the refresh: the fetch fails, the 20 s old copy still serves
    assert await verifier.verify(token) == ORGANIZER
    clock.now += 11  # 31 s old: too old to trust for revocations
    with pytest.raises(KeySetUnavailable):
        await verifier.verify(token)
