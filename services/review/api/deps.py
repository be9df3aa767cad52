"""Dependencies of review's routes, as short ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal
from shared.runtime import container_of
from shared.web.auth import require_role

from ..container import Review

ReviewDep = Annotated[Review, Depends(container_of)]
StaffDep = Annotated[Principal, require_role("reviewer", "admin")]
