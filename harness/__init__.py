"""The testing harness: what runs the platform and its infrastructure for tests, benchmarks, the
simulation and ``kepuri up``.

- :mod:`harness.ports`: free loopback ports;
- :mod:`harness.processes`: a service as an OS process, waited on until healthy, stopped gracefully;
- :mod:`harness.tansu`: the tansu Kafka-protocol broker; :mod:`harness.postgres`: embedded PostgreSQL.

Nothing here imports pytest or ``tests``: the pytest fixtures are thin wrappers in tests/fixtures/.
"""
