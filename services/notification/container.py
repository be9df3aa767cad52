"""What notification's routes depend on, built once by the composition root (``bootstrap.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import Backbone
from shared.web.auth import Verifier

from .channels.sms import HttpSms
from .service.dispatcher import Dispatcher
from .service.ledger import Ledger
from .service.reminders import Reminders
from .templates import Templates


@dataclass
class Notification:
    backbone: Backbone
    verifier: Verifier
    ledger: Ledger
    dispatcher: Dispatcher
    templates: Templates
    reminders: Reminders
    sms: HttpSms | None = None  # the provider adapter, when SMS goes through one (its callbacks need it)
