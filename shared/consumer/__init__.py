"""The consumer runtime that builds views from the streams, effectively once."""

from .projection import Committing, Delivery, Preparing, Projection
from .runtime import ConsumerRuntime

__all__ = ["Committing", "ConsumerRuntime", "Delivery", "Preparing", "Projection"]
