"""How the Kafka clients of the bus log in to the cluster: the security protocol, and for SASL the
mechanism, user name and password (a Strimzi KafkaUser with SCRAM in the Kubernetes manifests).

Every aiokafka client of a :class:`~shared.bus.kafka.KafkaBus` (producer, admin client, consumers)
gets the same :meth:`KafkaLogin.client_options`. The password stays a :class:`~pydantic.SecretStr`
until it is handed to aiokafka, so it shows in no repr, log line or error message.
"""

from __future__ import annotations

import ssl
import types
from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

SecurityProtocol = Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
_PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL")
_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


@dataclass(frozen=True)
class KafkaLogin:
    """The security protocol and SASL credentials of every Kafka client; the default is none at all.

    ``SASL_PLAINTEXT`` and ``SASL_SSL`` need both ``username`` and ``password``; ``PLAINTEXT`` takes
    neither. ``SASL_SSL`` verifies the brokers' certificates against the system's certificate
    authorities. Anything else raises :class:`ValueError` saying what is wrong.
    """

    protocol: SecurityProtocol = "PLAINTEXT"
    mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.protocol not in _PROTOCOLS:
            raise ValueError(f"kafka security protocol {self.protocol!r}: use one of {', '.join(_PROTOCOLS)}")
        if self.mechanism not in _MECHANISMS:
            raise ValueError(f"kafka SASL mechanism {self.mechanism!r}: use one of {', '.join(_MECHANISMS)}")
        if self.uses_sasl != (self.username is not None and self.password is not None):
            raise ValueError(
                f"kafka security protocol {self.protocol} "
                + ("needs a SASL user name and password" if self.uses_sasl else "takes no SASL user name or password")
            )

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def describe(self) -> str:
        """Who logs in and how, for logs and errors (never the password)."""
        if not self.uses_sasl:
            return self.protocol
        return f"user {self.username!r} with {self.mechanism} over {self.protocol}"

    def client_options(self) -> dict[str, object]:
        """The keyword arguments that every aiokafka client takes for this login."""
        if not self.uses_sasl:
            return {"security_protocol": "PLAINTEXT"}
        assert self.password is not None  # __post_init__
        options: dict[str, object] = {
            "security_protocol": self.protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password.get_secret_value(),
        }
        if self.protocol == "SASL_SSL":
            options["ssl_context"] = ssl.create_default_context()  # the system's certificate authorities
        return options


def raised_in_sasl_handshake(exc: BaseException) -> bool:
    """Whether ``exc`` came out of aiokafka's SASL exchange.

    aiokafka's SCRAM client raises ``KeyError``/``ValueError`` when a broker refuses the login inside
    the exchange (RFC 5802's ``e=unknown-user`` or ``e=invalid-proof`` in the server's final message,
    which tansu sends) rather than with Kafka's SaslAuthenticationFailed error code, which Apache Kafka
    sends; both are a refused login to the bus.
    """
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "_do_sasl_handshake":
            return True
        tb = tb.tb_next
    return False
