"""The benchmark's staff tokens verify as a service verifies registration's: through a published key set."""

from __future__ import annotations

from bench.staff import staff_keys
from shared.auth import JwksVerifier, Principal


async def test_a_bench_token_verifies_through_the_key_set_it_serves() -> None:
    with staff_keys() as keys:
        verifier = JwksVerifier(keys.jwks_url)
        assert await verifier.verify(keys.token("admin")) == Principal("bench-admin", "admin")
        assert keys.authorization("reviewer").startswith("Bearer ")
        assert (await verifier.verify(keys.token("reviewer"))).role == "reviewer"
