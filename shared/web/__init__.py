"""HTTP plumbing shared by the services: app factory, problems, idempotency, health, middleware."""

from .app import container_of, create_service_app
from .problems import Problem

__all__ = ["Problem", "container_of", "create_service_app"]
