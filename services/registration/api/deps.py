"""Dependencies of registration's routes, as short ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.runtime import container_of

from ..container import Registration

RegistrationDep = Annotated[Registration, Depends(container_of)]
