"""The production shape (DESIGN.md §6) holds together: docker-compose.yml, the Dockerfile and deploy/.

Nothing here needs a Docker engine. docker-compose.yml is validated against the official Compose
Specification JSON Schema (compose-spec/compose-spec, schema/compose-spec.json), as shipped inside the
``check-jsonschema`` wheel (a dev dependency); the rest are cross-references between the files: what
the compose file mounts exists, its build targets are stages of the Dockerfile, Prometheus scrapes
every service and loads the alert rules, the Grafana dashboard queries metrics the code exports.

The Prometheus files are also checked by Prometheus itself (``promtool``, Debian package
``prometheus``, which ``kepuri test`` installs), and the alert rules are unit-tested with synthetic
series. Without promtool those tests fail: they never skip.
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
ALERT_RULES = DEPLOY / "prometheus" / "alerts.yml"
POSTGRES_INIT = DEPLOY / "postgres" / "init.sql"
GRAFANA_DATASOURCE = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
GRAFANA_PROVIDER = DEPLOY / "grafana" / "provisioning" / "dashboards" / "kepuri.yml"
GRAFANA_DASHBOARD = DEPLOY / "grafana" / "dashboards" / "kepuri.json"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
# what a build leaves, not a file of the repository: the site Caddy serves (`./kepuri up` builds it)
BUILT_SITE = "./web/dist"

SERVICES = {"registration": 8001, "review": 8002, "notification": 8003, "analytics": 8004}
BACKGROUND_PORTS = {"registration": 8101, "review": 8102, "notification": 8103, "analytics": 8104}
ROLES = ("api", "background")  # each service runs as two containers of one image (docs/architecture.md)
EXPECTED_ALERTS = {
    "KepuriConsumerLagHigh",
    "KepuriDeadLetters",
    "KepuriHttp5xxRateHigh",
    "KepuriOutboxBacklogHigh",
    "KepuriOutboxBacklogGrowing",
    "KepuriServiceDown",
}
# The package that ships the Compose Specification schema, and where in it.
SCHEMA_PACKAGE = "check_jsonschema"
SCHEMA_IN_PACKAGE = ("builtin_schemas", "vendor", "compose-spec.json")

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")
_METRIC = re.compile(r"\bkepuri_[a-z0-9_]+")
_DECLARED_METRIC = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*[\"'](kepuri_[a-z0-9_]+)[\"']")


# ------------------------------------------------------------------------------------------- helpers


def _load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _interpolate(value: Any) -> Any:
    """``value`` with every ``${VAR:-default}`` replaced by its default, as Compose would with an
    empty environment (a variable without a default is left for :func:`test_every_variable_has_a_default`)."""
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: m.group("arg") if m.group("op") in (":-", "-") else m.group(0), value)
    if isinstance(value, dict):
        return {key: _interpolate(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item) for item in value]
    return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict of strings (Compose accepts a mapping or a KEY=VALUE list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)

    def text(value: Any) -> str:
        if value is None:
            return ""
        return str(value).lower() if isinstance(value, bool) else str(value)

    return {key: text(value) for key, value in env.items()}


def _bind_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source on the host, target in the container) of every bind mount of a service."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((volume["source"], volume["target"]))
            continue
        source, _, rest = volume.partition(":")
        if source.startswith((".", "/", "~")):
            mounts.append((source, rest.split(":", 1)[0]))
    return mounts


def _dockerfile_stages() -> dict[str, list[str]]:
    """Stage name -> its instructions (continuation lines joined), from ``FROM image AS name`` lines."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"(?i)^FROM\s+(?:--\S+\s+)*\S+(?:\s+AS\s+(\S+))?\s*$", line)
        if match:
            current = stages.setdefault(match.group(1) or f"<stage {len(stages)}>", [])
        elif current is not None:
            current.append(line)
    return stages


def _dashboard_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that shows data (rows, collapsed or not, only group them)."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _dashboard_panels(dashboard) for t in p.get("targets", []) if t.get("expr")]


def _declared_metrics() -> set[str]:
    """The kepuri_* metrics the code declares (with the series a histogram adds)."""
    names: set[str] = set()
    for package in ("shared", "services"):
        for path in (ROOT / package).rglob("*.py"):
            for kind, name in _DECLARED_METRIC.findall(path.read_text(encoding="utf-8")):
                names.add(name)
                if kind in ("Histogram", "Summary"):
                    names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
    return names


def _compose_schema_path() -> Path:
    spec = importlib.util.find_spec(SCHEMA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(
            "the Compose Specification schema comes from the check-jsonschema wheel, which is not installed: "
            "install the dev dependencies (pip install -r requirements.lock)"
        )
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*SCHEMA_IN_PACKAGE)
    if not path.is_file():
        pytest.fail(f"check-jsonschema no longer ships the Compose Specification schema at {path}")
    return path


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    return _load_yaml(COMPOSE_FILE)


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    """docker-compose.yml as Compose sees it with no .env: YAML merge keys resolved, defaults filled in."""
    return _interpolate(copy.deepcopy(raw_compose))


@pytest.fixture(scope="module")
def compose_schema() -> dict[str, Any]:
    return json.loads(_compose_schema_path().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose_validator(compose_schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(compose_schema)
    cls.check_schema(compose_schema)
    return cls(compose_schema)


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(GRAFANA_DASHBOARD.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------- compose: the specification


def _schema_errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def test_schema_is_the_compose_specification(compose_schema: dict[str, Any]) -> None:
    assert compose_schema.get("title") == "Compose Specification"
    assert {"services", "volumes", "networks"} <= set(compose_schema["properties"])


def test_compose_file_follows_the_compose_specification(
    raw_compose: dict[str, Any], compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator
) -> None:
    assert _schema_errors(compose_validator, raw_compose) == []
    assert _schema_errors(compose_validator, compose) == []


def test_the_schema_check_rejects_a_broken_compose_file(
    compose: dict[str, Any], compose_validator: jsonschema.protocols.Validator
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["registration-api"]["depends_on"]["kafka"]["condition"] = "healthy"
    broken["services"]["review-background"]["restrat"] = "always"
    errors = _schema_errors(compose_validator, broken)
    assert any(e.startswith("services/registration-api/depends_on") for e in errors), errors
    assert any(e.startswith("services/review-background") and "restrat" in e for e in errors), errors


def test_no_obsolete_version_key(raw_compose: dict[str, Any]) -> None:
    assert "version" not in raw_compose


def test_every_variable_has_a_default_and_secrets_are_marked_dev_only(raw_compose: dict[str, Any]) -> None:
    seen = {}
    for text in _strings(raw_compose):
        for match in _VARIABLE.finditer(text):
            seen[match.group("name")] = (match.group("op"), match.group("arg"))
    assert seen, "expected ${VAR:-default} settings in docker-compose.yml"
    without_default = sorted(name for name, (op, _) in seen.items() if op not in (":-", "-"))
    assert without_default == [], f"`docker compose up` must work without an .env file: {without_default}"
    secrets = {name: default for name, (_, default) in seen.items() if re.search("PASSWORD|SECRET|TOKEN", name)}
    assert secrets, "expected the passwords to be settable from the environment"
    not_marked = sorted(name for name, default in secrets.items() if "dev-only" not in default)
    assert not_marked == [], f"defaults of secrets must say they are for development only: {not_marked}"


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        assert tag and tag != "latest", f"{name}: pin the image tag ({image})"
    images = {name: s["image"] for name, s in compose["services"].items() if "build" not in s}
    assert images["kafka"].startswith("apache/kafka:")
    assert re.match(r"postgres:16(\.|-|$)", images["postgres"]), images["postgres"]


# ---------------------------------------------------------------------- compose: the services' shape


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_service_is_built_from_its_target_and_configured_for_production(
    compose: dict[str, Any], name: str, port: int, role: str
) -> None:
    service = compose["services"][f"{name}-{role}"]
    build = service["build"]
    assert build["target"] == name
    assert (ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE

    env = _environment(service)
    assert env["KEPURI_ENVIRONMENT"] == "production"
    assert env["KEPURI_BUS_URL"].startswith("kafka://")
    assert env["KEPURI_KAFKA_IDEMPOTENCE"] == "true"
    assert env["KEPURI_HOST"] == "0.0.0.0"
    assert env.get(f"KEPURI_{name.upper()}_PORT", str(port)) == str(port)
    database_url = env[f"KEPURI_{name.upper()}_DATABASE_URL"]
    match = re.fullmatch(
        r"postgresql\+asyncpg://(?P<user>[^:@/]+):[^@/]+@(?P<host>[^:/]+):(?P<port>\d+)/(?P<db>\w+)", database_url
    )
    assert match, database_url
    assert (match["user"], match["host"], match["db"]) == (name, "postgres", name)
    # No service may reach another's database (DESIGN.md §3).
    others = [k for k in env if k.endswith("_DATABASE_URL") and k != f"KEPURI_{name.upper()}_DATABASE_URL"]
    assert others == []

    for dependency in ("kafka", "postgres"):
        assert service["depends_on"][dependency]["condition"] == "service_healthy"
    published = [
        str(p) if not isinstance(p, dict) else f"{p.get('host_ip', '')}:{p.get('published')}:{p['target']}"
        for p in service.get("ports", [])
    ]
    # the public reach a service through caddy only; on the host itself operators may call its API directly
    assert published == ([f"127.0.0.1:{port}:{port}"] if role == "api" else [])


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_each_service_runs_as_an_api_and_a_background_container_of_one_image(
    compose: dict[str, Any], name: str, port: int
) -> None:
    api, background = (compose["services"][f"{name}-{role}"] for role in ROLES)
    assert api["image"] == background["image"] and api["build"] == background["build"]
    assert api["environment"] == background["environment"]
    assert api["command"][:5] == ["python", "-m", f"services.{name}", "--role", "api"]
    assert api["command"][5] == "--workers" and int(api["command"][6]) >= 1
    assert background["command"] == ["python", "-m", f"services.{name}", "--role", "background"]
    env = _environment(background)
    assert env[f"KEPURI_{name.upper()}_BACKGROUND_PORT"] == str(BACKGROUND_PORTS[name])
    # the image's HEALTHCHECK asks the API's port; the background role answers on its own
    assert f"KEPURI_{name.upper()}_BACKGROUND_PORT" in " ".join(background["healthcheck"]["test"])
    if name != "registration":  # tokens are checked against registration's key set, where its API answers
        assert env[f"KEPURI_{name.upper()}_JWKS_URL"] == "http://registration-api:8001/api/v1/auth/jwks.json"


def test_the_dashboard_reads_consumer_figures_where_the_consumers_run(compose: dict[str, Any]) -> None:
    peers = _environment(compose["services"]["analytics-api"])["KEPURI_ANALYTICS_PEERS_METRICS"].split(",")
    assert sorted(peers) == sorted(f"http://{n}-background:{p}/metrics" for n, p in BACKGROUND_PORTS.items())


def test_the_bus_url_is_the_advertised_kafka_listener(compose: dict[str, Any]) -> None:
    kafka = _environment(compose["services"]["kafka"])
    advertised = {item.split("://", 1)[1] for item in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for name in SERVICES:
        for role in ROLES:
            bus = _environment(compose["services"][f"{name}-{role}"])["KEPURI_BUS_URL"].removeprefix("kafka://")
            assert set(bus.split(",")) <= advertised, (name, bus, advertised)


def test_kafka_runs_in_kraft_mode_as_one_combined_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    env = _environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1 and voters[0].split("@")[0] == env["KAFKA_NODE_ID"]
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert f"{controller}://" in env["KAFKA_LISTENERS"]
    assert f"{controller}:" in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"]), "CLUSTER_ID must be a base64 UUID (22 chars)"
    assert "ZOOKEEPER" not in " ".join(env), "KRaft mode has no ZooKeeper"
    assert any(":" in v and v.split(":", 1)[1] == env["KAFKA_LOG_DIRS"] for v in kafka["volumes"]), (
        "the log directory must be on a volume"
    )
    assert kafka["healthcheck"]["test"]


def test_postgres_init_script_creates_one_database_and_role_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["healthcheck"]["test"]
    targets = {target for _, target in _bind_mounts(postgres)}
    assert any(t.startswith("/docker-entrypoint-initdb.d/") and t.endswith(".sql") for t in targets), targets

    sql = POSTGRES_INIT.read_text(encoding="utf-8")
    env = _environment(postgres)
    for name in SERVICES:
        assert re.search(rf"(?im)^CREATE ROLE {name} LOGIN PASSWORD :'(\w+)';", sql), name
        assert re.search(rf"(?im)^CREATE DATABASE {name} OWNER {name}\b", sql), name
        getenv = re.search(rf"(?im)^\\getenv {name}_password (\w+)$", sql)
        assert getenv, f"{name}: the password must come from the environment"
        variable = getenv.group(1)
        assert variable in env, f"postgres must be given {variable}"
        # The service connects with the password the role was created with.
        url = _environment(compose["services"][f"{name}-api"])[f"KEPURI_{name.upper()}_DATABASE_URL"]
        assert f":{env[variable]}@" in url, f"{name}: its database URL and {variable} disagree"


# ------------------------------------------------------------------------- compose: the one origin


def test_caddy_runs_the_caddyfile_of_kepuri_up_in_front_of_every_service(compose: dict[str, Any]) -> None:
    caddy = compose["services"]["caddy"]
    assert re.fullmatch(r"caddy:2\.\d+\.\d+-alpine", caddy["image"]), "the official image, pinned"
    mounted = {target: source for source, target in _bind_mounts(caddy)}
    assert (ROOT / mounted["/etc/caddy/Caddyfile"]).resolve() == CADDYFILE
    env = _environment(caddy)
    assert mounted[env["KEPURI_SITE_ROOT"]] == BUILT_SITE
    for name, port in SERVICES.items():
        assert env[f"KEPURI_{name.upper()}_UPSTREAM"] == f"{name}-api:{port}"  # the API role only
    # TLS-ready: HTTP, HTTPS and HTTP/3 published; certificates kept on a volume
    assert {str(p).rsplit(":", 1)[1] for p in caddy["ports"]} == {"80", "443", "443/udp"}
    assert any(str(v).startswith("caddy-data:/data") for v in caddy["volumes"])


def test_the_services_trust_only_caddy_to_name_the_client(compose: dict[str, Any]) -> None:
    address = compose["services"]["caddy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name in SERVICES:
        for role in ROLES:
            assert _environment(compose["services"][f"{name}-{role}"])["KEPURI_TRUSTED_PROXIES"] == address


# ------------------------------------------------------------------ compose: files and build targets


def test_every_mounted_file_exists(compose: dict[str, Any]) -> None:
    mounts = [(name, source) for name, s in compose["services"].items() for source, _ in _bind_mounts(s)]
    assert mounts, "expected the deploy/ files to be mounted"
    missing = [(name, source) for name, source in mounts if not (ROOT / source).exists() and source != BUILT_SITE]
    assert missing == []
    for path in (
        CADDYFILE,
        PROMETHEUS_CONFIG,
        ALERT_RULES,
        POSTGRES_INIT,
        GRAFANA_DASHBOARD.parent,
        GRAFANA_DATASOURCE.parent.parent,
    ):
        assert any((ROOT / source).resolve() == path for _, source in mounts), f"{path} is not mounted"


def test_every_build_target_is_a_dockerfile_stage(compose: dict[str, Any]) -> None:
    stages = _dockerfile_stages()
    targets = {name: s["build"]["target"] for name, s in compose["services"].items() if "build" in s}
    assert set(targets) == {f"{name}-{role}" for name in SERVICES for role in ROLES}
    assert set(targets.values()) == set(SERVICES)
    assert {t for t in targets.values() if t not in stages} == set()


@pytest.mark.parametrize(("name", "port"), SERVICES.items())
def test_dockerfile_target_runs_the_service(name: str, port: int) -> None:
    stage = _dockerfile_stages()[name]
    text = "\n".join(stage)
    assert re.search(rf'(?m)^CMD \["python", "-m", "services\.{name}"\]$', text), text
    assert re.search(rf"(?m)^EXPOSE {port}$", text), text
    healthcheck = [line for line in stage if line.startswith("HEALTHCHECK")]
    assert len(healthcheck) == 1 and "urllib" in healthcheck[0] and "/healthz" in healthcheck[0]
    assert f"KEPURI_{name.upper()}_PORT" in healthcheck[0]


def test_dockerfile_builds_a_non_root_runtime_from_the_lock() -> None:
    stages = _dockerfile_stages()
    assert {"builder", "runtime"} <= set(stages)
    assert re.search(r"(?m)^ARG PYTHON_IMAGE=python:3\.11-slim", DOCKERFILE.read_text(encoding="utf-8"))
    builder = "\n".join(stages["builder"])
    assert "requirements.lock" in builder and "pip install --no-deps ." in builder
    runtime = stages["runtime"]
    users = [line.split()[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(line.startswith("COPY --from=builder") for line in runtime)


def test_dockerignore_keeps_what_the_dockerfile_copies() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for stage in _dockerfile_stages().values():
        for line in stage:
            if not line.startswith("COPY ") or "--from=" in line:
                continue
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
                assert PurePosixPath(source).parts[0] not in ignored, f".dockerignore excludes {source}"


# --------------------------------------------------------------------------------------- Prometheus


def _scrape_targets(job: dict[str, Any]) -> set[str]:
    targets = {t for sc in job.get("static_configs", []) for t in sc.get("targets", [])}
    targets |= {f"{n}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for n in sd.get("names", [])}
    return targets


def test_prometheus_scrapes_every_service() -> None:
    config = _load_yaml(PROMETHEUS_CONFIG)
    assert config["global"]["scrape_interval"] == "5s"
    targets: dict[str, str] = {}
    for job in config["scrape_configs"]:
        for target in _scrape_targets(job):
            targets[target] = job.get("metrics_path", "/metrics")
        assert job.get("scrape_interval", "5s") == "5s"
    for name, port in SERVICES.items():
        for target in (f"{name}-api:{port}", f"{name}-background:{BACKGROUND_PORTS[name]}"):
            assert targets.get(target) == "/metrics", f"{target} is not scraped"


def test_prometheus_loads_the_alert_rules_where_compose_mounts_them(compose: dict[str, Any]) -> None:
    config = _load_yaml(PROMETHEUS_CONFIG)
    mounts = {
        (ROOT / source).resolve(): PurePosixPath(target)
        for source, target in _bind_mounts(compose["services"]["prometheus"])
    }
    config_in_container = mounts[PROMETHEUS_CONFIG]
    assert f"--config.file={config_in_container}" in compose["services"]["prometheus"]["command"]
    rule_files = config["rule_files"]
    assert rule_files == [ALERT_RULES.name] or rule_files == [str(mounts[ALERT_RULES])]
    assert config_in_container.parent / ALERT_RULES.name == mounts[ALERT_RULES]


def _alert_rules() -> dict[str, dict[str, Any]]:
    rules = {}
    for group in _load_yaml(ALERT_RULES)["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                assert rule["alert"] not in rules, f"duplicate alert {rule['alert']}"
                rules[rule["alert"]] = rule
    return rules


def test_alert_rules_have_the_expected_alerts() -> None:
    rules = _alert_rules()
    assert EXPECTED_ALERTS <= set(rules)
    for name, rule in rules.items():
        assert rule["expr"].strip() and rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name

    def expr(name: str) -> str:
        return " ".join(rules[name]["expr"].split())

    assert "sum by (group) (kepuri_consumer_lag) > 10000" in expr("KepuriConsumerLagHigh")
    assert rules["KepuriConsumerLagHigh"]["for"] == "2m"
    assert "increase(kepuri_consumer_dead_letters_total[5m])" in expr("KepuriDeadLetters")
    assert expr("KepuriDeadLetters").endswith("> 0")
    assert 'status=~"5.."' in expr("KepuriHttp5xxRateHigh") and "by (service)" in expr("KepuriHttp5xxRateHigh")
    assert expr("KepuriHttp5xxRateHigh").endswith("> 0.01") and "[5m]" in expr("KepuriHttp5xxRateHigh")
    assert "kepuri_outbox_backlog" in expr("KepuriOutboxBacklogHigh") and expr("KepuriOutboxBacklogHigh").endswith(
        "> 10000"
    )
    assert rules["KepuriOutboxBacklogHigh"]["for"] == "5m"
    assert "kepuri_outbox_backlog" in expr("KepuriOutboxBacklogGrowing")
    assert expr("KepuriServiceDown").startswith("up{") and expr("KepuriServiceDown").endswith("== 0")
    assert rules["KepuriServiceDown"]["for"] == "1m"


def test_alerts_and_dashboard_use_only_metrics_the_code_exports(dashboard: dict[str, Any]) -> None:
    declared = _declared_metrics()
    assert {"kepuri_http_requests_total", "kepuri_consumer_lag", "kepuri_outbox_backlog"} <= declared
    used = {m for rule in _alert_rules().values() for m in _METRIC.findall(rule["expr"])}
    used |= {m for e in _dashboard_exprs(dashboard) for m in _METRIC.findall(e)}
    assert used - declared == set(), "queries name metrics that no code declares"


# ------------------------------------------------------------------------------------------ Grafana


def test_grafana_provisions_the_prometheus_datasource_and_the_dashboard(compose: dict[str, Any]) -> None:
    grafana = compose["services"]["grafana"]
    mounts = {(ROOT / source).resolve(): PurePosixPath(target) for source, target in _bind_mounts(grafana)}
    assert mounts[GRAFANA_DATASOURCE.parent.parent] == PurePosixPath("/etc/grafana/provisioning")

    datasources = _load_yaml(GRAFANA_DATASOURCE)["datasources"]
    prometheus = [d for d in datasources if d["type"] == "prometheus"]
    assert len(prometheus) == 1 and prometheus[0]["uid"]
    assert prometheus[0]["url"] == "http://prometheus:9090" and "prometheus" in compose["services"]

    providers = _load_yaml(GRAFANA_PROVIDER)["providers"]
    assert [p["type"] for p in providers] == ["file"]
    assert PurePosixPath(providers[0]["options"]["path"]) == mounts[GRAFANA_DASHBOARD.parent]


def test_every_dashboard_panel_queries_a_kepuri_metric(dashboard: dict[str, Any]) -> None:
    datasource_uid = _load_yaml(GRAFANA_DATASOURCE)["datasources"][0]["uid"]
    panels = list(_dashboard_panels(dashboard))
    assert len(panels) >= 8
    for panel in panels:
        targets = panel.get("targets", [])
        assert targets, f"panel {panel.get('title')!r} has no query"
        for target in targets:
            assert _METRIC.search(target.get("expr", "")), f"panel {panel['title']!r}: {target.get('expr')!r}"
            source = target.get("datasource") or panel.get("datasource")
            assert source == {"type": "prometheus", "uid": datasource_uid}, panel["title"]
    rows = [p for p in dashboard["panels"] if p.get("type") == "row"]
    ids = [p["id"] for p in [*rows, *panels]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_dashboard_covers_the_operations_view(dashboard: dict[str, Any]) -> None:
    exprs = _dashboard_exprs(dashboard)
    joined = "\n".join(exprs)
    wanted = {
        "request rate per service": r"sum by \(service\) \(rate\(kepuri_http_requests_total",
        "p99 latency per service": r"histogram_quantile\(0\.99, sum by \(service, le\) \(rate\(kepuri_http_request_duration_seconds_bucket",
        "5xx rate": r'kepuri_http_requests_total\{[^}]*status=~"5\.\."',
        "consumer events/s per group": r"sum by \(group\) \(rate\(kepuri_consumer_events_total",
        "consumer lag per group": r"sum by \(group\) \(kepuri_consumer_lag",
        "dead letters": r"kepuri_consumer_dead_letters_total",
        "outbox backlog": r"kepuri_outbox_backlog",
        "outbox publish rate": r"rate\(kepuri_outbox_published_total",
    }
    missing = [what for what, pattern in wanted.items() if not re.search(pattern, joined)]
    assert missing == []


# ------------------------------------------------------------------ promtool (Debian: `prometheus`)


def _promtool(*args: str | Path, cwd: Path | None = None) -> str:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: `kepuri test` installs it (apt-get install prometheus)"
    result = subprocess.run(
        [promtool, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_promtool_accepts_the_config_and_the_rules() -> None:
    _promtool("check", "config", PROMETHEUS_CONFIG)
    _promtool("check", "rules", ALERT_RULES)


def test_promtool_parses_every_dashboard_query(dashboard: dict[str, Any], tmp_path: Path) -> None:
    substitutions = {"$__rate_interval": "1m", "$__range": "1h", "$service": ".*", "$group": ".*"}
    rules = []
    for index, expr in enumerate(_dashboard_exprs(dashboard)):
        for variable, value in substitutions.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown dashboard variable in {expr!r}"
        rules.append({"record": f"dashboard:query_{index}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    _promtool("check", "rules", path)


_ALERT_UNIT_TESTS: dict[str, Any] = {
    "interval": "1m",
    "input_series": [
        {
            "series": 'kepuri_consumer_lag{group="analytics",topic="kepuri.activities.v1",partition="0"}',
            "values": "6000x10",
        },
        {
            "series": 'kepuri_consumer_lag{group="analytics",topic="kepuri.activities.v1",partition="1"}',
            "values": "6000x10",
        },
        {
            "series": 'kepuri_consumer_lag{group="review",topic="kepuri.activities.v1",partition="0"}',
            "values": "9000x10",
        },
        {"series": 'kepuri_consumer_dead_letters_total{group="notification"}', "values": "0 0 0 1 1 1 1 1 1 1 1"},
        {
            "series": 'kepuri_http_requests_total{service="review",method="GET",route="/r",status="200"}',
            "values": "0+100x10",
        },
        {
            "series": 'kepuri_http_requests_total{service="review",method="GET",route="/r",status="503"}',
            "values": "0+5x10",
        },
        {
            "series": 'kepuri_http_requests_total{service="registration",method="GET",route="/r",status="200"}',
            "values": "0+1000x10",
        },
        {
            "series": 'kepuri_http_requests_total{service="registration",method="GET",route="/r",status="500"}',
            "values": "0+1x10",
        },
        {"series": 'kepuri_outbox_backlog{service="registration",instance="a"}', "values": "20000+1000x10"},
        {"series": 'kepuri_outbox_backlog{service="review",instance="b"}', "values": "50x10"},
        {"series": 'up{job="registration",instance="registration:8001"}', "values": "1x10"},
        {"series": 'up{job="review",instance="review:8002"}', "values": "0x10"},
        {"series": 'up{job="notification",instance="notification:8003"}', "values": "1x10"},
    ],
    "alert_rule_test": [
        # Lag: analytics sums to 12,000 over its partitions; review's 9,000 stays below; `for: 2m`.
        {"eval_time": "1m", "alertname": "KepuriConsumerLagHigh", "exp_alerts": []},
        {
            "eval_time": "10m",
            "alertname": "KepuriConsumerLagHigh",
            "exp_alerts": [{"exp_labels": {"severity": "warning", "group": "analytics"}}],
        },
        # One dead letter at minute 3 fires at once and is forgotten 5 minutes later.
        {
            "eval_time": "5m",
            "alertname": "KepuriDeadLetters",
            "exp_alerts": [{"exp_labels": {"severity": "warning", "group": "notification"}}],
        },
        {"eval_time": "10m", "alertname": "KepuriDeadLetters", "exp_alerts": []},
        # review answers ~4.8% with 5xx; registration ~0.1% stays below 1%.
        {
            "eval_time": "10m",
            "alertname": "KepuriHttp5xxRateHigh",
            "exp_alerts": [{"exp_labels": {"severity": "critical", "service": "review"}}],
        },
        {
            "eval_time": "10m",
            "alertname": "KepuriOutboxBacklogHigh",
            "exp_alerts": [{"exp_labels": {"severity": "critical", "service": "registration"}}],
        },
        {
            "eval_time": "10m",
            "alertname": "KepuriOutboxBacklogGrowing",
            "exp_alerts": [{"exp_labels": {"severity": "warning", "service": "registration"}}],
        },
        {
            "eval_time": "10m",
            "alertname": "KepuriServiceDown",
            "exp_alerts": [{"exp_labels": {"severity": "critical", "job": "review", "instance": "review:8002"}}],
        },
        {
            "eval_time": "10m",
            "alertname": "KepuriServiceMissing",
            "exp_alerts": [{"exp_labels": {"severity": "critical", "job": "analytics"}}],
        },
    ],
}


def test_alert_rules_fire_on_synthetic_series(tmp_path: Path) -> None:
    """promtool's rule unit tests: each alert fires on the series it is about, and only on those."""
    rules = _load_yaml(ALERT_RULES)
    for group in rules["groups"]:  # annotations are prose; the tests are about expressions and labels
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    tested = {case["alertname"] for case in _ALERT_UNIT_TESTS["alert_rule_test"]}
    assert EXPECTED_ALERTS <= tested
    (tmp_path / "alerts.test.yml").write_text(
        yaml.safe_dump({"rule_files": ["alerts.yml"], "evaluation_interval": "1m", "tests": [_ALERT_UNIT_TESTS]}),
        encoding="utf-8",
    )
    _promtool("test", "rules", "alerts.test.yml", cwd=tmp_path)
