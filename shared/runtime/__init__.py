"""What every service process runs: the backbone (migrations, writer, relay, consumers) and its app."""

from .app import container_of, create_service_app
from .backbone import Backbone

__all__ = ["Backbone", "container_of", "create_service_app"]
