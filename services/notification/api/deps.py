"""Dependencies of notification's routes, as short ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Principal
from shared.runtime import container_of
from shared.web.auth import require_role

from ..container import Notification

NotificationDep = Annotated[Notification, Depends(container_of)]
ReaderDep = Annotated[Principal, require_role("organizer", "admin")]
AdminDep = Annotated[Principal, require_role("admin")]
OrganizerDep = Annotated[Principal, require_role("organizer")]
InboxReaderDep = Annotated[Principal, require_role("organizer", "reviewer")]
