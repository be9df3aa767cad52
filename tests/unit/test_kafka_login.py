"""The Kafka login settings (KEPURI_KAFKA_SASL_*, KEPURI_KAFKA_SECURITY_PROTOCOL) and what they build."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from services.registration.adapters.tables import metadata
from services.registration.settings import RegistrationSettings
from shared.bus import KafkaLogin
from shared.bus.kafka import KafkaBus
from shared.runtime.backbone import Backbone

PASSWORD = "Strimzi-generated-7f3a9c"


def test_without_a_user_name_nobody_logs_in(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path)
    assert (settings.kafka_security_protocol, settings.kafka_sasl_username, settings.kafka_sasl_password) == (
        "PLAINTEXT",
        None,
        None,
    )


def test_a_user_name_and_password_log_in_with_scram_sha_512_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_KAFKA_SASL_USERNAME", "kepuri-registration")
    monkeypatch.setenv("KEPURI_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = RegistrationSettings()
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_PLAINTEXT", "SCRAM-SHA-512")
    assert settings.kafka_sasl_password is not None and settings.kafka_sasl_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())


@pytest.mark.parametrize(
    "given",
    [{"kafka_sasl_username": "kepuri-registration"}, {"kafka_sasl_password": PASSWORD}],
    ids=["user name alone", "password alone"],
)
def test_user_name_and_password_come_together(given: dict[str, str]) -> None:
    with pytest.raises(
        ValidationError, match="KEPURI_KAFKA_SASL_USERNAME and KEPURI_KAFKA_SASL_PASSWORD are set together"
    ):
        RegistrationSettings(**given)  # type: ignore[arg-type]


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_KAFKA_SASL_USERNAME", "")
    monkeypatch.setenv("KEPURI_KAFKA_SASL_PASSWORD", "")
    assert RegistrationSettings().kafka_security_protocol == "PLAINTEXT"


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "SASL_SSL needs KEPURI_KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "PLAINTEXT", "kafka_sasl_username": "u", "kafka_sasl_password": PASSWORD},
            "PLAINTEXT ignores the SASL user name",
        ),
        ({"kafka_security_protocol": "SSL"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
    ],
)
def test_a_protocol_or_mechanism_that_does_not_fit_is_refused(given: dict[str, str], refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal) as refused:
        RegistrationSettings(**given)  # type: ignore[arg-type]
    assert PASSWORD not in str(refused.value)


def test_sasl_ssl_and_another_mechanism_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEPURI_KAFKA_SASL_USERNAME", "u")
    monkeypatch.setenv("KEPURI_KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("KEPURI_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KEPURI_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    settings = RegistrationSettings()
    assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-256")


def test_the_service_bus_logs_in_as_the_settings_say(tmp_path: Path) -> None:
    settings = RegistrationSettings(
        data_dir=tmp_path,
        bus_url="kafka://kafka-bootstrap.kepuri:9092",
        kafka_sasl_username="kepuri-registration",
        kafka_sasl_password=SecretStr(PASSWORD),
    )

    bus = Backbone(settings, metadata, "services.registration:migrations").bus

    assert isinstance(bus, KafkaBus)
    assert bus.login == KafkaLogin("SASL_PLAINTEXT", "SCRAM-SHA-512", "kepuri-registration", SecretStr(PASSWORD))
    assert bus.login.client_options()["sasl_plain_password"] == PASSWORD
    assert PASSWORD not in repr(bus.login)


@pytest.mark.parametrize(
    ("protocol", "username", "password", "refusal"),
    [
        ("SASL_PLAINTEXT", None, None, "needs a SASL user name and password"),
        ("SASL_SSL", "u", None, "needs a SASL user name and password"),
        ("PLAINTEXT", "u", SecretStr(PASSWORD), "takes no SASL user name or password"),
        ("SSL", None, None, "use one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL"),
    ],
)
def test_a_login_that_does_not_fit_its_protocol_is_refused(
    protocol: str, username: str | None, password: SecretStr | None, refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        KafkaLogin(protocol, "SCRAM-SHA-512", username, password)  # type: ignore[arg-type]


def test_a_mechanism_aiokafka_cannot_do_with_a_password_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN"):
        KafkaLogin("SASL_PLAINTEXT", "OAUTHBEARER", "u", SecretStr(PASSWORD))  # type: ignore[arg-type]
