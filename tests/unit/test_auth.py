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


def test_a_cached_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as clock

    verifier = TokenVerifier(public_key_pem(KEY))
    admin = Principal("acct-1", "admin")
    token = sign_token(KEY, admin, ttl=timedelta(seconds=30))
    assert verifier.verify(token) == admin
    later = clock.time() + 31
    monkeypatch.setattr("shared.auth.time.time", lambda: later)
    monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenDatetime(later))
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_the_cache_accepts_only_the_exact_string_it_verified() -> None:
    verifier = TokenVerifier(public_key_pem(KEY))
    token = sign_token(KEY, Principal("acct-1", "organizer", unit_id="u1"))
    verifier.verify(token)
    header, body, signature = token.split(".")
    forged_body = jwt.utils.base64url_encode(jwt.utils.base64url_decode(body).replace(b'"u1"', b'"u2"')).decode()
    with pytest.raises(InvalidToken, match="Signature"):
        verifier.verify(f"{header}.{forged_body}.{signature}")


def test_the_cache_keeps_at_most_its_size() -> None:
    from shared.auth import VerifiedTokens

    cache = VerifiedTokens(size=2)
    far = datetime.now(UTC).timestamp() + 3600
    for n in range(3):
        cache.put(f"t{n}", (Principal(f"a{n}", "admin"), far, float(n)))
    assert cache.get("t0") is None
    assert cache.get("t1") == (Principal("a1", "admin"), 1.0)
    assert cache.get("t2") == (Principal("a2", "admin"), 2.0)


class _FrozenDatetime:
    """Stands in for ``datetime`` inside PyJWT so that its expiry check sees ``now``."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self, tz: object = None) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    def __getattr__(self, name: str) -> object:
        return getattr(datetime, name)
