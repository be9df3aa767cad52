"""The e-mail channel against a real SMTP server (aiosmtpd), and against servers that misbehave."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.ports import free_port
from services.notification.channels.base import Channel, Outgoing, PermanentFailure, TransientFailure
from services.notification.channels.email import SmtpEmail, message_id_for

SENDER = "noreply@kepuri.example.cn"
SUBJECT = "活动“走进科技馆·青少年科学体验日”已通过审核"
BODY = "渭南市科学技术协会：\n\n您好！您登记的2022年全国科普日活动已通过审核，现已公开发布。\n\n全国科普日平台"


class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses some recipients on purpose."""

    def __init__(self) -> None:
        self.received: list[tuple[Envelope, EmailMessage]] = []
        self.over_tls: list[bool] = []

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope, parsed))
        self.over_tls.append(session.ssl is not None)
        return "250 2.0.0 queued"


def serve(mailbox: Mailbox, **smtp: Any) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **smtp)
    controller.start()
    return controller


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = serve(box)
    try:
        yield box, controller.port
    finally:
        controller.stop()


def outgoing(to: str = "organizer@example.cn", key: str = "evt-1|organizer@example.cn|email", **kw: Any) -> Outgoing:
    return Outgoing(key=key, to=to, text=kw.pop("text", BODY), subject=kw.pop("subject", SUBJECT), **kw)


def channel(port: int, **kw: Any) -> SmtpEmail:
    return SmtpEmail(host="127.0.0.1", port=port, sender=SENDER, timeout=kw.pop("timeout", 5.0), **kw)


async def test_round_trip_decodes_the_chinese_subject_and_body(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    smtp: Channel = channel(port)
    assert smtp.name == "email"
    sent = await smtp.send(outgoing(sign="渭南市科学技术协会"))

    assert len(box.received) == 1
    envelope, received = box.received[0]
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["organizer@example.cn"]
    assert received["Subject"] == SUBJECT
    assert received.get_content().strip() == BODY.strip()
    assert received.get_content_type() == "text/plain" and received.get_content_charset() == "utf-8"
    assert received["Content-Transfer-Encoding"] == "base64"
    # decoded as RFC 2047 says (Python's structured parser keeps the space between folded encoded words)
    assert isinstance(envelope.content, bytes)
    raw_from = email.message_from_bytes(envelope.content)["From"]
    assert str(make_header(decode_header(raw_from))) == f"渭南市科学技术协会（全国科普日平台） <{SENDER}>"
    assert received["From"].addresses[0].addr_spec == SENDER
    assert received["To"].addresses[0].addr_spec == "organizer@example.cn"
    # the Message-ID comes from the ledger key, and the channel reports it as the provider's id
    expected = message_id_for("evt-1|organizer@example.cn|email", "kepuri.example.cn")
    assert received["Message-ID"] == expected == sent.provider_message_id
    assert "organizer@example.cn" not in expected  # only a hash of the key leaves the service
    assert f"Message-ID: {expected}".encode() in envelope.content  # on one line, not folded
    assert received["Auto-Submitted"] == "auto-generated"
    assert box.over_tls == [False]


async def test_a_resend_carries_the_same_message_id(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    smtp = channel(port)
    first = await smtp.send(outgoing())
    again = await smtp.send(outgoing())
    other = await smtp.send(outgoing(key="evt-2|organizer@example.cn|email"))
    assert first.provider_message_id == again.provider_message_id != other.provider_message_id
    ids = [received["Message-ID"] for _, received in box.received]
    assert ids[0] == ids[1] != ids[2]


async def test_no_subject_falls_back_and_no_sign_uses_the_platform_name(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    await channel(port, sender_name="科普中国").send(outgoing(subject=None))
    _, received = box.received[0]
    assert received["Subject"] == "全国科普日平台通知"
    assert received["From"].addresses[0].display_name == "科普中国"


async def test_550_is_a_permanent_failure_with_the_servers_text(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with pytest.raises(PermanentFailure) as failed:
        await channel(port).send(outgoing(to="nobody@example.cn"))
    assert "550" in str(failed.value) and "mailbox unavailable" in str(failed.value)
    assert box.received == []


async def test_4xx_is_a_transient_failure(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with pytest.raises(TransientFailure, match="451"):
        await channel(port).send(outgoing(to="busy@example.cn"))
    assert box.received == []


async def test_nothing_listening_is_a_transient_failure() -> None:
    with pytest.raises(TransientFailure):
        await channel(free_port()).send(outgoing())


async def test_a_server_that_never_answers_times_out_as_a_transient_failure() -> None:
    silent: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)  # never greets

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TransientFailure):
            await channel(port, timeout=0.5).send(outgoing())
        assert loop.time() - started < 5
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_bad_address_is_permanent_and_never_connects() -> None:
    smtp = channel(free_port())  # nothing listens: a connection attempt would be transient
    for bad in ("13800138000", "", "a@b\nBcc: x@y.cn", "two words@example.cn"):
        with pytest.raises(PermanentFailure, match="无效的邮件地址"):
            await smtp.send(outgoing(to=bad))


# aiosmtpd warns about AUTH without TLS: on purpose here (STARTTLS has its own test)
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_login_with_the_right_and_the_wrong_password() -> None:
    def authenticator(server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"kepuri", b"s3cret")
        return AuthResult(success=ok, handled=False)

    box = Mailbox()
    controller = serve(box, authenticator=authenticator, auth_required=True, auth_require_tls=False)
    try:
        await channel(controller.port, username="kepuri", password="s3cret").send(outgoing())
        assert len(box.received) == 1
        # a wrong password is our configuration, not the message's fault: retry once fixed
        with pytest.raises(TransientFailure):
            await channel(controller.port, username="kepuri", password="wrong").send(outgoing())
        # so is not logging in where the server requires it (530)
        with pytest.raises(TransientFailure, match="530"):
            await channel(controller.port).send(outgoing())
        assert len(box.received) == 1
        assert "s3cret" not in repr(channel(controller.port, username="kepuri", password="s3cret"))
    finally:
        controller.stop()


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def test_starttls_upgrades_the_session(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    controller = serve(box, tls_context=context, require_starttls=True)
    try:
        await channel(controller.port, start_tls=True, cert_bundle=str(cert)).send(outgoing())
        assert len(box.received) == 1
        _, received = box.received[0]
        assert received["Subject"] == SUBJECT and box.over_tls == [True]
        # without STARTTLS the server refuses (530): a settings problem, so retried, not failed
        with pytest.raises(TransientFailure):
            await channel(controller.port, start_tls=False).send(outgoing())
        # a certificate the client does not trust fails the handshake: transient as well
        with pytest.raises(TransientFailure):
            await channel(controller.port, start_tls=True).send(outgoing())
        assert len(box.received) == 1
    finally:
        controller.stop()
