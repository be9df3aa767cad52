"""Kepuri's four services and the ``kepuri`` command that runs them."""
