"""The other services verify registration's tokens with its published JWKS document alone."""

from __future__ import annotations

import httpx
import pytest

from shared.auth import (
    InvalidToken,
    JwksVerifier,
    KeySetUnavailable,
    Principal,
    generate_private_key_pem,
    sign_token,
)

from .conftest import Service


async def test_a_token_verifies_with_the_published_key_set_and_a_foreign_one_does_not(service: Service) -> None:
    headers = await service.staff("reviewer", "province", "61")
    token = headers["Authorization"].removeprefix("Bearer ")
    verifier = JwksVerifier("http://kepuri/api/v1/auth/jwks.json", client=service.client)
    principal = await verifier.verify(token)
    assert principal == Principal(principal.subject, "reviewer", None, "province", "61")

    forged = sign_token(generate_private_key_pem(), principal, kid="registration-1")  # right kid, wrong key
    with pytest.raises(InvalidToken):
        await verifier.verify(forged)
    with pytest.raises(InvalidToken, match="no published key"):
        await verifier.verify(sign_token(generate_private_key_pem(), principal, kid="rotated-away"))
    with pytest.raises(InvalidToken):
        await verifier.verify("not-a-token")


async def test_an_unreachable_key_set_is_unavailable_instead_of_hanging_or_invalid() -> None:
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2) as client:
        verifier = JwksVerifier("http://127.0.0.1:9/api/v1/auth/jwks.json", client=client)
        token = sign_token(generate_private_key_pem(), Principal("a", "admin"), kid="registration-1")
        with pytest.raises(KeySetUnavailable, match="unavailable"):
            await verifier.verify(token)
