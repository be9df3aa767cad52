"""One publish/subscribe interface with two backends: the embedded log and Kafka."""

from .base import Bus, BusError, BusUnavailable, Subscription, TopicSpec
from .factory import bus_from_url
from .kafka_login import KafkaLogin
from .message import Message, Record, TopicPartition

__all__ = [
    "Bus",
    "BusError",
    "BusUnavailable",
    "KafkaLogin",
    "Message",
    "Record",
    "Subscription",
    "TopicPartition",
    "TopicSpec",
    "bus_from_url",
]
