"""The consumer runtime that builds views from the streams, effectively once."""

from .projection import Delivery, Preparing, Projection
from .runtime import ConsumerRuntime

__all__ = ["ConsumerRuntime", "Delivery", "Preparing", "Projection"]
