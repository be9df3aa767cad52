"""HTTP plumbing shared by the services: problems, idempotency, health routes, middleware."""

from .problems import Problem

__all__ = ["Problem"]
