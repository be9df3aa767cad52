"""E-mail over SMTP (aiosmtplib): the ``email`` channel.

One message per connection: e-mail carries reminders and review outcomes to organizers, a few per
unit, so simplicity wins over connection reuse. The message is UTF-8: subject and display names as
RFC 2047 encoded words, the body as ``text/plain; charset="utf-8"`` in base64. (A long Chinese
display name is folded into several encoded words; RFC 2047 says the space between them is dropped
when decoding, which mail clients do, but Python's own structured-header parser keeps it.)

The ``Message-ID`` is derived from the ledger key, so a message sent again after a crash carries the
same id and a mail server or client can recognise the duplicate. The key itself stays out of the
headers (it may contain the recipient); only its hash goes out.

How failures are classified:

- cannot connect, timeout, disconnect, a 4xx reply → :class:`TransientFailure` (try later);
- a 5xx reply to the message (550 mailbox unavailable, 552 too large, 554 rejected…) →
  :class:`PermanentFailure` carrying the server's code and text;
- an address that is not an address → :class:`PermanentFailure` without connecting;
- problems with *our* side of the session (a greeting refusing service, login refused, STARTTLS
  not offered, 530 "authentication / STARTTLS required", 534, 535, 538) → :class:`TransientFailure`:
  they are configuration or server faults, not faults of this message, and it should go out once
  they are fixed rather than be failed for good.
"""

from __future__ import annotations

import base64
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from .base import Outgoing, PermanentFailure, Sent, TransientFailure

DEFAULT_SUBJECT = "全国科普日平台通知"
#: 5xx replies that blame the session (login, TLS), not the message: fix the settings, then retry
SESSION_CODES = frozenset({530, 534, 535, 538})


def message_id_for(key: str, domain: str) -> str:
    """The ``Message-ID`` for the ledger key ``key``: the same key always gives the same id."""
    # 128 bits of the key's hash in 26 characters: short enough that the header is not folded
    digest = base64.b32encode(hashlib.sha256(key.encode("utf-8")).digest()[:16]).decode("ascii")
    return f"<{digest.rstrip('=').lower()}.kepuri@{domain}>"


def _address(value: str, display_name: str = "") -> Address:
    value = value.strip()
    if not value or "@" not in value:
        raise ValueError(f"not an e-mail address: {value!r}")
    address = Address(display_name=display_name, addr_spec=value)
    if not address.username or not address.domain:
        raise ValueError(f"not an e-mail address: {value!r}")
    return address


def _reply(code: int, text: str) -> str:
    return f"{code} {text}".strip()


class SmtpEmail:
    """The ``email`` channel over SMTP."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        sender: str,
        sender_name: str = "全国科普日平台",
        start_tls: bool | None = False,
        use_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        validate_certs: bool = True,
        cert_bundle: str | None = None,
        message_id_domain: str | None = None,
        default_subject: str = DEFAULT_SUBJECT,
    ) -> None:
        """``start_tls``: ``True`` requires STARTTLS, ``None`` uses it when offered, ``False`` never.

        ``use_tls`` is implicit TLS (port 465). ``username``/``password`` log in when given.
        ``timeout`` bounds the connection and each SMTP command, in seconds.
        """
        self._sender = _address(sender)
        self.host = host
        self.port = port
        self.sender_name = sender_name
        self._start_tls = start_tls
        self._use_tls = use_tls
        self._username = username
        self._password = password
        self.timeout = timeout
        self._validate_certs = validate_certs
        self._cert_bundle = cert_bundle
        self.message_id_domain = message_id_domain or self._sender.domain
        self.default_subject = default_subject

    def __repr__(self) -> str:  # no password in logs
        return f"SmtpEmail(host={self.host!r}, port={self.port}, sender={self._sender.addr_spec!r})"

    def compose(self, message: Outgoing) -> EmailMessage:
        """The e-mail for ``message``; raises ``PermanentFailure`` for an unusable address."""
        try:
            to = _address(message.to)
        except (ValueError, IndexError) as exc:  # email.errors.HeaderParseError is a ValueError
            raise PermanentFailure(f"无效的邮件地址 {message.to!r}：{exc}") from exc
        display = f"{message.sign}（{self.sender_name}）" if message.sign else self.sender_name
        email = EmailMessage()
        email["From"] = Address(display_name=display, addr_spec=self._sender.addr_spec)
        email["To"] = to
        email["Subject"] = " ".join((message.subject or self.default_subject).split())
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = message_id_for(message.key, self.message_id_domain)
        email["Auto-Submitted"] = "auto-generated"
        email["Content-Language"] = "zh-CN"
        # base64 rather than 8bit: the body survives relays that do not offer 8BITMIME
        email.set_content(message.text, charset="utf-8", cte="base64")
        return email

    async def send(self, message: Outgoing) -> Sent:
        email = self.compose(message)
        message_id = str(email["Message-ID"])
        try:
            await aiosmtplib.send(
                email,
                sender=self._sender.addr_spec,
                recipients=[str(email["To"].addresses[0].addr_spec)],
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=self._start_tls,
                validate_certs=self._validate_certs,
                cert_bundle=self._cert_bundle,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            if refused is None:
                raise TransientFailure(f"SMTP 拒绝收件人：{exc}") from exc
            reason = _reply(refused.code, refused.message)
            if refused.code >= 500 and refused.code not in SESSION_CODES:
                raise PermanentFailure(f"收件人被拒收：{reason}") from exc
            raise TransientFailure(f"收件人暂时无法投递：{reason}") from exc
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPAuthenticationError) as exc:
            # includes a greeting refusing service and a connect timeout: not this message's fault
            raise TransientFailure(f"SMTP 服务器 {self.host}:{self.port} 不可用：{exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:  # MAIL, DATA, HELO replies
            reason = _reply(exc.code, exc.message)
            if exc.code >= 500 and exc.code not in SESSION_CODES:
                raise PermanentFailure(f"邮件被拒收：{reason}") from exc
            raise TransientFailure(f"邮件暂时无法投递：{reason}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # timeouts, disconnects, STARTTLS not offered, TLS handshake errors, refused connections
            raise TransientFailure(f"SMTP 发送失败（{type(exc).__name__}）：{exc}") from exc
        return Sent(provider_message_id=message_id)
