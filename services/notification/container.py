"""What notification's routes and workers depend on, built once by the composition root (``bootstrap.build``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.runtime import Backbone
from shared.runtime.app import Worker
from shared.web.auth import Verifier

from .channels.sms import HttpSms
from .service.dispatcher import Dispatcher
from .service.ledger import Ledger
from .service.provider_callbacks import ProviderCallbacks
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
    callbacks: ProviderCallbacks
    sms: HttpSms | None = None  # the provider adapter, when SMS goes through one (its callbacks need it)
    workers: Sequence[Worker] = field(default_factory=tuple)  # started after the backbone, in order, in every role
    background: Sequence[Worker] = field(default_factory=tuple)  # then these, where the role runs background work
