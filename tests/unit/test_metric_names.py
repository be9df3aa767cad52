"""Every service's metrics follow Prometheus' naming conventions, as ``promtool check metrics`` lints
them (counters end in ``_total``, units in base units and in the name, no reserved suffixes…).

The exposition is taken in a fresh interpreter that imports all four services' composition roots,
so the default registry holds every metric the platform defines (they register at import).
"""

from __future__ import annotations

import shutil
import subprocess
import sys

EXPOSE = """
import services.analytics.bootstrap, services.notification.bootstrap, services.registration.bootstrap, services.review.bootstrap
from prometheus_client import REGISTRY, generate_latest
import sys
sys.stdout.buffer.write(generate_latest(REGISTRY))
"""


def lint(exposition: bytes) -> subprocess.CompletedProcess[bytes]:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: `kepuri test` installs it (apt-get install prometheus)"
    return subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, timeout=60, check=False
    )


def test_every_metric_of_every_service_passes_promtools_lint() -> None:
    exposition = subprocess.run([sys.executable, "-c", EXPOSE], capture_output=True, check=True, timeout=120).stdout
    names = {line.split()[2] for line in exposition.decode().splitlines() if line.startswith("# TYPE")}
    assert {"kepuri_consumer_lag", "kepuri_http_requests_total", "kepuri_outbox_backlog"} <= names
    result = lint(exposition)
    assert result.returncode == 0, (result.stdout + result.stderr).decode()


def test_the_lint_rejects_a_badly_named_metric() -> None:
    bad = b"# HELP kepuri_requests Requests answered\n# TYPE kepuri_requests counter\nkepuri_requests 3\n"
    result = lint(bad)
    assert result.returncode != 0 and b"_total" in result.stdout + result.stderr
