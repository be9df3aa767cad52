"""Prometheus metrics of the consumer runtime, labelled by consumer group."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter("kepuri_consumer_events_total", "Events applied to a view", ["group", "topic"])
SKIPPED = Counter("kepuri_consumer_redelivered_total", "Events skipped because already applied", ["group"])
DEAD_LETTERS = Counter("kepuri_consumer_dead_letters_total", "Events sent to the dead-letter topic", ["group"])
ERRORS = Counter("kepuri_consumer_errors_total", "Transient errors retried by a consumer", ["group"])
LAG = Gauge("kepuri_consumer_lag", "Records not yet read, per partition", ["group", "topic", "partition"])
BATCH_SECONDS = Histogram(
    "kepuri_consumer_batch_duration_seconds",
    "Time to apply and commit one batch",
    ["group"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
