"""Access tokens: signed by registration's Ed25519 key, verified with its public key, and refused
when expired, forged, for another audience or without a role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import (
    InvalidToken,
    Principal,
    TokenVerifier,
    generate_private_key_pem,
    public_key_pem,
    sign_token,
)

KEY = generate_private_key_pem()
VERIFIER = TokenVerifier(public_key_pem(KEY))


def test_a_signed_token_verifies_to_its_principal() -> None:
    reviewer = Principal("acct-1", "reviewer", level="city", jurisdiction="6105")
    assert VERIFIER.verify(sign_token(KEY, reviewer)) == reviewer
    organizer = Principal("acct-2", "organizer", unit_id="unit-9")
    assert VERIFIER.verify(sign_token(KEY, organizer)) == organizer


def test_an_expired_token_is_refused() -> None:
    token = sign_token(KEY, Principal("acct-1", "admin"), ttl=timedelta(seconds=-1))
    with pytest.raises(InvalidToken, match="expired"):
        VERIFIER.verify(token)


def test_a_token_signed_by_another_key_is_refused() -> None:
    token = sign_token(generate_private_key_pem(), Principal("acct-1", "admin"))
    with pytest.raises(InvalidToken, match="Signature"):
        VERIFIER.verify(token)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "mallory"}, "issuer"),
        ({"role": "superuser"}, "role"),
        ({"role": None}, "role"),
    ],
)
def test_tokens_with_wrong_claims_are_refused(claims: dict[str, object], why: str) -> None:
    from cryptography.hazmat.primitives import serialization

    now = datetime.now(UTC)
    body = {"iss": "kepuri-registration", "aud": "kepuri", "sub": "a", "role": "admin", "exp": now + timedelta(hours=1)}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    token = jwt.encode(body, serialization.load_pem_private_key(KEY, password=None), "EdDSA")  # type: ignore[arg-type]
    with pytest.raises(InvalidToken, match=f"(?i){why}"):
        VERIFIER.verify(token)


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode({"sub": "a", "role": "admin", "aud": "kepuri", "iss": "kepuri-registration"}, None, "none")
    with pytest.raises(InvalidToken):
        VERIFIER.verify(token)


def test_the_verifier_wants_an_ed25519_public_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(ValueError, match="Ed25519"):
        TokenVerifier(pem)
