"""What every service process runs besides its API: migrations, the writer, the relay, consumers."""

from .backbone import Backbone

__all__ = ["Backbone"]
