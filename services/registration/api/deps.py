"""Dependencies of registration's routes, as short ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..container import Registration
from ..handlers import Activities


def _registration(request: Request) -> Registration:
    registration: Registration = request.app.state.registration
    return registration


def _activities(request: Request) -> Activities:
    return _registration(request).activities


RegistrationDep = Annotated[Registration, Depends(_registration)]
ActivitiesDep = Annotated[Activities, Depends(_activities)]
