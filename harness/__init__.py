"""The testing harness: what runs the platform and its infrastructure for ``kepuri up``, the simulation,
the benchmarks and the tests.

- :mod:`harness.launcher`: the one way a process is started, waited on until healthy and stopped;
- :mod:`harness.platform`: the four services and the SMS stand-in, their ports and environments
  (``kepuri up``'s layout) and :class:`~harness.platform.Platform` on free ports (``kepuri simulate --start``);
- :mod:`harness.proxy`: Caddy, the one origin; :mod:`harness.kepuri_up`: ``kepuri up`` itself as a process;
- :mod:`harness.processes`: one service (or the proxy) as an OS process, for tests that kill and restart it;
- :mod:`harness.tansu`: the tansu Kafka-protocol broker; :mod:`harness.postgres`: embedded PostgreSQL;
- :mod:`harness.ports`: free loopback ports;
- :mod:`harness.events`: envelopes, messages and deliveries; :mod:`harness.factories`: registrations,
  campaigns and organizers.

It imports neither pytest nor ``tests`` nor ``cli``: the pytest fixtures are thin wrappers in tests/fixtures/.
"""
