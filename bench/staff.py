"""A staff token for a service under benchmark, minted the way the tests mint theirs.

The operations dashboard answers staff only, and a service run as an OS process verifies tokens
against registration's published key set (``KEPURI_<SERVICE>_JWKS_URL``). The benchmark has no
registration running: like ``tests/analytics/test_dashboard_support.py`` it signs its own tokens with a
key of its own, and publishes that key's public half as a JWKS document from a loopback HTTP server in
this process, for the service to fetch.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from shared.auth import REVOKED_MEMBER, Principal, Role, generate_private_key_pem, sign_token

KEY_ID = "bench-1"


@dataclass(frozen=True)
class StaffKeys:
    """Where the key set is published, and how to sign a token it verifies."""

    jwks_url: str
    private_pem: bytes

    def token(self, role: Role = "admin") -> str:
        """A signed token of a staff account (``admin`` or a national ``reviewer``)."""
        principal = Principal(f"bench-{role}", role, level="national" if role == "reviewer" else None)
        return sign_token(self.private_pem, principal, kid=KEY_ID)

    def authorization(self, role: Role = "admin") -> str:
        return f"Bearer {self.token(role)}"


def key_set_document(private_pem: bytes) -> dict[str, Any]:
    """The JWKS document of ``private_pem``'s public key, as registration publishes its own (no revocations)."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)  # type: ignore[arg-type]
    return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "EdDSA"}], REVOKED_MEMBER: []}


@contextlib.contextmanager
def staff_keys() -> Iterator[StaffKeys]:
    """A fresh signing key whose key set is served on a free loopback port while the block runs."""
    private_pem = generate_private_key_pem()
    body = json.dumps(key_set_document(private_pem)).encode()

    class KeySet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeySet)
    thread = threading.Thread(target=server.serve_forever, name="bench-jwks", daemon=True)
    thread.start()
    try:
        yield StaffKeys(f"http://127.0.0.1:{server.server_address[1]}/jwks.json", private_pem)
    finally:
        server.shutdown()
        server.server_close()
