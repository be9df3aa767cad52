"""One publish/subscribe interface with two backends: the embedded log and Kafka."""

from .base import Bus, BusError, BusUnavailable, Subscription, TopicSpec
from .message import Message, Record, TopicPartition

__all__ = ["Bus", "BusError", "BusUnavailable", "Message", "Record", "Subscription", "TopicPartition", "TopicSpec"]
