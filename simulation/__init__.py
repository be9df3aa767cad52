"""``kepuri simulate``: a synthetic national campaign driven through the running services' public APIs.

``population`` (provinces and divisions), ``campaign`` (the deterministic generator), ``driver``
(the open-loop HTTP driver and its statistics), ``lag`` (consumer lag and memory sampling),
``flows`` (the season's flows), ``invariants`` (the end checks), ``report`` (tables and JSON),
``platform`` (the platform as OS processes, for ``--start``) and ``run`` (all of it together).
"""
