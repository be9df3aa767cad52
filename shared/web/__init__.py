"""HTTP plumbing shared by the services: app factory, problems, idempotency, health, middleware."""

from .app import create_service_app
from .problems import Problem

__all__ = ["Problem", "create_service_app"]
