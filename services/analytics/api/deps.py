"""Dependencies of analytics' routes, as short ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.runtime import container_of

from ..container import Analytics

AnalyticsDep = Annotated[Analytics, Depends(container_of)]
