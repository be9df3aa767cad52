"""The consumer runtime that builds views from the streams, effectively once."""

from .errors import ApplyErrorPolicy, dead_letter
from .projection import Committing, Delivery, Preparing, Projection
from .runtime import ConsumerRuntime

__all__ = ["ApplyErrorPolicy", "Committing", "ConsumerRuntime", "Delivery", "Preparing", "Projection", "dead_letter"]
