"""Logging in to Kafka with SASL (a Strimzi KafkaUser with SCRAM in the Kubernetes manifests).

What a real broker can show here: tansu 0.6 (the broker of the tests) with ``--authentication`` offers
SCRAM-SHA-256 and SCRAM-SHA-512 and answers no client that has not logged in, but its memory storage
keeps no SCRAM credentials (``tansu user create`` is answered "done" and nothing is stored), so it
refuses every login. So these tests run real SCRAM exchanges that the broker refuses, and a broker
without SASL that refuses the handshake; a successful login is not shown against a broker. That every
aiokafka client of the bus (producer, admin client, consumer) is built with the login is shown on the
clients themselves.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import SecretStr

from harness.tansu import TansuBroker
from shared.bus import BusError, BusUnavailable, KafkaLogin, bus_from_url
from shared.bus.kafka import KafkaBus, KafkaSubscription
from tests.fixtures.tansu import running_broker

USER = "kepuri-registration"
PASSWORD = "Strimzi-generated-7f3a9c"  # what the KafkaUser's Secret would hold


def scram(mechanism: str = "SCRAM-SHA-512", protocol: str = "SASL_PLAINTEXT") -> KafkaLogin:
    return KafkaLogin(protocol, mechanism, USER, SecretStr(PASSWORD))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def authenticating_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    with running_broker(tmp_path_factory.mktemp("tansu-auth"), authentication=True) as broker:
        yield broker


@pytest.fixture
async def stopping() -> AsyncIterator[list[KafkaBus]]:
    """Buses to stop after the test, whatever it left started."""
    buses: list[KafkaBus] = []
    yield buses
    for bus in buses:
        await bus.stop()


def kafka_bus(bootstrap: str, login: KafkaLogin | None, stopping: list[KafkaBus]) -> KafkaBus:
    bus = bus_from_url(f"kafka://{bootstrap}", kafka_login=login)
    assert isinstance(bus, KafkaBus) and bus.login == (login or KafkaLogin())
    stopping.append(bus)
    return bus


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256"])
async def test_a_refused_scram_login_is_a_bus_error_naming_the_user_never_the_password(
    authenticating_broker: TansuBroker,
    mechanism: str,
    stopping: list[KafkaBus],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = kafka_bus(authenticating_broker.bootstrap, scram(mechanism), stopping)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(BusError) as refused:
        await bus.start()

    error = refused.value
    assert not isinstance(error, BusUnavailable)  # a refused login is not retried as an outage
    assert f"as user {USER!r} with {mechanism} over SASL_PLAINTEXT" in str(error)
    assert "refused the SASL login" in str(error)
    shown = [str(error), repr(error), repr(bus.login), bus.login.describe(), caplog.text]
    assert all(PASSWORD not in text for text in shown)


async def test_the_authenticating_broker_answers_no_client_that_does_not_log_in(
    authenticating_broker: TansuBroker, stopping: list[KafkaBus]
) -> None:
    """So the refusals above come from its login, not from a broker that answers nobody."""
    bus = kafka_bus(authenticating_broker.bootstrap, None, stopping)
    bus.connect_timeout_ms = 5_000

    with pytest.raises(BusUnavailable):
        await bus.start()


async def test_a_login_to_a_broker_without_sasl_is_a_bus_error(kafka_bootstrap: str, stopping: list[KafkaBus]) -> None:
    bus = kafka_bus(kafka_bootstrap, scram(), stopping)

    with pytest.raises(BusError, match="UnsupportedSaslMechanism") as refused:
        await bus.start()

    assert not isinstance(refused.value, BusUnavailable)
    assert PASSWORD not in str(refused.value)


async def test_without_a_login_the_bus_works_as_before(kafka_bootstrap: str, stopping: list[KafkaBus]) -> None:
    bus = kafka_bus(kafka_bootstrap, None, stopping)
    await bus.start()
    await bus.ping()


async def _clients(login: KafkaLogin) -> list[AIOKafkaProducer | AIOKafkaAdminClient | AIOKafkaConsumer]:
    """The three kinds of aiokafka client a bus makes, built (not started) and closed again."""
    bus = KafkaBus("127.0.0.1:9", login=login)
    producer, admin = bus._new_producer(), bus._new_admin()
    consumer = KafkaSubscription(bus, "group", ("topic",))._new_consumer()
    await producer.stop()
    await admin.close()
    await consumer.stop()
    return [producer, admin, consumer]


def _connection_settings(client: AIOKafkaProducer | AIOKafkaAdminClient | AIOKafkaConsumer) -> tuple[object, ...]:
    inner = client.client if isinstance(client, AIOKafkaProducer) else client._client
    return (inner._security_protocol, inner._sasl_mechanism, inner._sasl_plain_username, inner._sasl_plain_password)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
async def test_every_client_of_the_bus_logs_in_the_same_way(mechanism: str) -> None:
    clients = await _clients(scram(mechanism))

    assert {_connection_settings(c) for c in clients} == {("SASL_PLAINTEXT", mechanism, USER, PASSWORD)}


async def test_sasl_ssl_verifies_the_brokers_against_the_system_certificate_authorities() -> None:
    clients = await _clients(scram(protocol="SASL_SSL"))

    for client in clients:
        inner = client.client if isinstance(client, AIOKafkaProducer) else client._client
        context = inner._ssl_context
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] == ssl.create_default_context().cert_store_stats()["x509_ca"]
    assert {_connection_settings(c)[0] for c in clients} == {"SASL_SSL"}


async def test_without_a_login_no_client_offers_sasl() -> None:
    clients = await _clients(KafkaLogin())

    assert {_connection_settings(c)[:1] for c in clients} == {("PLAINTEXT",)}
    assert all(_connection_settings(c)[3] is None for c in clients)


def test_the_login_shows_no_password() -> None:
    assert PASSWORD not in repr(scram()) and "**********" in repr(scram())
