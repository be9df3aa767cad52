"""Kepuri's common library: the event contract, the bus, the store and the runtimes every service uses."""
