"""The rules deploy/kubernetes/ keeps, as one function from rendered objects to the problems found.

Each rule is tied to the code it deploys: the process roles and their ports (the brief of issue 21,
``--role api|background``), the settings the services read (``services/<svc>/settings.py``), the topics
and who produces and consumes them (``shared/events``, the projections), the Caddyfile's variables.
tests/deploy/test_kubernetes.py runs it on every overlay and on copies broken on purpose.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import AliasChoices

from shared.config import ServiceSettings
from shared.events.registry import CATALOG
from shared.events.topics import ALL_TOPICS, DEAD_LETTERS

Object = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
NAMESPACE = "kepuri"
# the process roles' ports: the api role on the service's port, the background role's health and metrics
SERVICES = {
    "registration": (8001, 8101),
    "review": (8002, 8102),
    "notification": (8003, 8103),
    "analytics": (8004, 8104),
}
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|ACCESS_KEY|DATABASE_URL|VAULT_URL")


def kepuri_settings() -> set[str]:
    """Every environment variable some service's settings read (upper case)."""
    names: set[str] = set()
    for svc in SERVICES:
        module = importlib.import_module(f"services.{svc}.settings")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
                for field_name, field in value.model_fields.items():
                    names.add(f"KEPURI_{field_name}".upper())
                    alias = field.validation_alias
                    if isinstance(alias, AliasChoices):
                        names.update(str(choice).upper() for choice in alias.choices)
                    elif isinstance(alias, str):
                        names.add(alias.upper())
    return names


def projection_topics() -> dict[str, set[str]]:
    """The topics each service's consumer groups read, from its projections (``name``, ``topics``)."""
    reads: dict[str, set[str]] = {svc: set() for svc in SERVICES}
    for svc in SERVICES:
        package = importlib.import_module(f"services.{svc}.projections")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                name, topics = getattr(value, "name", None), getattr(value, "topics", None)
                if isinstance(value, type) and isinstance(name, str) and name.startswith(f"{svc}.") and topics:
                    reads[svc].update(topics)
    return reads


def produced_topics() -> dict[str, set[str]]:
    writes: dict[str, set[str]] = {svc: {DEAD_LETTERS.name} for svc in SERVICES}
    for event_type in CATALOG:
        writes[event_type.producer].add(event_type.topic.name)
    return writes


def _find(objects: list[Object], kind: str, name: str) -> Object | None:
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if set(selector) - {"matchLabels"}:
        return False  # matchExpressions are not used here; a selector using them is checked by hand
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _env(container: Object) -> dict[str, Object]:
    return {e["name"]: e for e in container.get("env", [])}


def problems(objects: list[Object]) -> list[str]:
    """What breaks a rule of deploy/kubernetes/; empty when every rule holds."""
    return list(_problems(objects))


def _problems(objects: list[Object]) -> Iterator[str]:
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    yield from _no_committed_secrets(objects)
    for deployment in deployments:
        yield from _pod_rules(deployment)
    for svc, (port, background_port) in SERVICES.items():
        yield from _roles(objects, svc, port, background_port)
    yield from _settings_known(deployments)
    yield from _operations_table(objects)
    yield from _availability(objects, deployments)
    yield from _network(objects, deployments)
    yield from _kafka(objects, deployments)
    yield from _caddy(objects)


def _no_committed_secrets(objects: list[Object]) -> Iterator[str]:
    for obj in objects:
        if obj["kind"] == "Secret":
            yield f"Secret {obj['metadata']['name']} is committed: secrets are made by the operator"
        if obj["metadata"].get("namespace", NAMESPACE) != NAMESPACE and obj["kind"] != "Namespace":
            yield f"{obj['kind']} {obj['metadata']['name']} is outside the namespace {NAMESPACE}"


def _pod_rules(deployment: Object) -> Iterator[str]:
    name = deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    if pod.get("automountServiceAccountToken") is not False:
        yield f"{name}: mounts a service account token"
    pod_security = pod.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True or pod_security.get("seccompProfile") != {"type": "RuntimeDefault"}:
        yield f"{name}: the pod must run as non-root with the RuntimeDefault seccomp profile"
    if not _selects(deployment["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"]):
        yield f"{name}: its selector does not select its own pods"
    for container in pod["containers"]:
        security = container.get("securityContext", {})
        if (
            security.get("allowPrivilegeEscalation") is not False
            or security.get("readOnlyRootFilesystem") is not True
            or security.get("runAsNonRoot") is not True
            or security.get("runAsUser", 1) == 0
            or security.get("capabilities", {}).get("drop") != ["ALL"]
            or security.get("capabilities", {}).get("add")
        ):
            yield f"{name}: container {container['name']} must be non-root, read-only, without capabilities"
        for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", None)):
            get = container.get(probe, {}).get("httpGet")
            if not get or (path and get.get("path") != path):
                yield f"{name}: {probe} must be an HTTP GET of {path or 'a health route'}"
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                yield f"{name}: {kind} of cpu and memory are missing"
        for env in container.get("env", []):
            if SECRET_NAMES.search(env["name"]) and "secretKeyRef" not in env.get("valueFrom", {}):
                yield f"{name}: {env['name']} must come from a Secret, not a literal"


def _roles(objects: list[Object], svc: str, port: int, background_port: int) -> Iterator[str]:
    for role, listen in (("api", port), ("background", background_port)):
        deployment = _find(objects, "Deployment", f"{svc}-{role}")
        if deployment is None:
            yield f"{svc}: no Deployment {svc}-{role}"
            continue
        template = deployment["spec"]["template"]
        labels = template["metadata"]["labels"]
        if labels.get("app.kubernetes.io/name") != svc or labels.get("app.kubernetes.io/component") != role:
            yield f"{svc}-{role}: pods must be labelled name={svc}, component={role}"
        (container,) = template["spec"]["containers"]
        args = container.get("args", [])
        if container.get("command") != ["python", "-m", f"services.{svc}"]:
            yield f"{svc}-{role}: must run python -m services.{svc}"
        if role == "api":
            if args[:3] != ["--role", "api", "--workers"] or len(args) != 4 or not args[3].isdigit():
                yield f"{svc}-api: args must be --role api --workers N, not {args}"
            elif container["resources"]["requests"]["cpu"] != args[3]:
                yield f"{svc}-api: requests {container['resources']['requests']['cpu']} cpu for {args[3]} workers"
        elif args != ["--role", "background"]:
            yield f"{svc}-background: args must be --role background, not {args}"
        ports = [p["containerPort"] for p in container.get("ports", [])]
        if ports != [listen]:
            yield f"{svc}-{role}: listens on {ports}, not [{listen}]"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if container.get(probe, {}).get("httpGet", {}).get("port") not in ("http", listen):
                yield f"{svc}-{role}: {probe} must ask its own port"
        if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
            yield f"{svc}-{role}: readiness must be /readyz"
        env = _env(container)
        for name, value in (
            (f"KEPURI_{svc.upper()}_PORT", port),
            (f"KEPURI_{svc.upper()}_BACKGROUND_PORT", background_port),
        ):
            if env.get(name, {}).get("value") != str(value):
                yield f"{svc}-{role}: {name} must be {value}"
        annotations = template["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true" or annotations.get("prometheus.io/port") != str(listen):
            yield f"{svc}-{role}: Prometheus must scrape port {listen}"
    service = _find(objects, "Service", f"{svc}-api")
    if service is None or service["spec"]["ports"][0]["port"] != port:
        yield f"{svc}: no Service {svc}-api on {port}"
    elif service["spec"]["selector"].get("app.kubernetes.io/component") != "api":
        yield f"{svc}-api: the Service must select the api role only"
    background = _find(objects, "Service", f"{svc}-background")
    if background is None or background["spec"]["ports"][0]["port"] != background_port:
        yield f"{svc}: no Service {svc}-background on {background_port} (analytics' operations table reads it)"
    elif background["spec"]["selector"].get("app.kubernetes.io/component") != "background":
        yield f"{svc}-background: the Service must select the background role only"
    hpa = _find(objects, "HorizontalPodAutoscaler", f"{svc}-api")
    if hpa is None or hpa["apiVersion"] != "autoscaling/v2" or hpa["spec"]["scaleTargetRef"]["name"] != f"{svc}-api":
        yield f"{svc}: no autoscaling/v2 HorizontalPodAutoscaler on {svc}-api"
    elif not 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]:
        yield f"{svc}-api: the HPA must keep at least two replicas"
    api = _find(objects, "Deployment", f"{svc}-api")
    if api is not None and "replicas" in api["spec"]:
        yield f"{svc}-api: sets replicas, which each apply would reset under its HPA"


def _operations_table(objects: list[Object]) -> Iterator[str]:
    """analytics' operations table reads the consumers' figures: the background roles' /metrics."""
    wanted = [f"http://{svc}-background:{background}/metrics" for svc, (_, background) in SERVICES.items()]
    for role in ("api", "background"):
        deployment = _find(objects, "Deployment", f"analytics-{role}")
        if deployment is not None:
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            peers = _env(container).get("KEPURI_ANALYTICS_PEERS_METRICS", {}).get("value", "")
            if peers.split(",") != wanted:
                yield f"analytics-{role}: KEPURI_ANALYTICS_PEERS_METRICS must be the background roles' /metrics"


def _settings_known(deployments: list[Object]) -> Iterator[str]:
    known = kepuri_settings()
    for deployment in deployments:
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if container["name"] == "caddy":
                continue
            for name in _env(container):
                if name.startswith("KEPURI_") and name not in known:
                    yield f"{deployment['metadata']['name']}: {name} is read by no service's settings"


def _availability(objects: list[Object], deployments: list[Object]) -> Iterator[str]:
    budgets = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    for deployment in deployments:
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [b for b in budgets if _selects(b["spec"]["selector"], labels)]
        if len(covering) != 1:
            yield f"{deployment['metadata']['name']}: {len(covering)} PodDisruptionBudgets, not one"
        elif covering[0]["spec"].get("maxUnavailable") != 1:
            yield f"{deployment['metadata']['name']}: its PodDisruptionBudget must allow one pod out at a time"


def _network(objects: list[Object], deployments: list[Object]) -> Iterator[str]:
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    deny = _find(objects, "NetworkPolicy", "default-deny")
    if deny is None or deny["spec"].get("ingress") or deny["spec"].get("egress"):
        yield "no default-deny NetworkPolicy"
        return
    if set(deny["spec"]["policyTypes"]) != {"Ingress", "Egress"}:
        yield "default-deny must close both ingress and egress"
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not _selects(deny["spec"]["podSelector"], labels):
            yield f"{name}: not closed by default-deny"
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        own_ports = {p["containerPort"] for p in container["ports"]}
        for policy in policies:
            if _selects(policy["spec"]["podSelector"], labels):
                for rule in policy["spec"].get("ingress", []):
                    opened = {p["port"] for p in rule.get("ports", [])}
                    if not opened or opened - own_ports:
                        yield f"{name}: {policy['metadata']['name']} opens ports {sorted(opened) or 'all'}"
    # a background role answers Prometheus (another namespace) and analytics' operations table only
    dashboard = {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "analytics", "app.kubernetes.io/component": "api"}}
    }
    for svc in SERVICES:
        labels = {"app.kubernetes.io/name": svc, "app.kubernetes.io/component": "background"}
        for policy in policies:
            if _selects(policy["spec"]["podSelector"], labels):
                for rule in policy["spec"].get("ingress", []):
                    for peer in rule.get("from", []):
                        if "namespaceSelector" not in peer and peer != dashboard:
                            yield f"{svc}-background: {policy['metadata']['name']} lets other pods of this namespace in"


def _kafka(objects: list[Object], deployments: list[Object]) -> Iterator[str]:
    kafka = _find(objects, "Kafka", "kepuri-kafka")
    if kafka is None:
        yield "no Kafka kepuri-kafka"
        return
    if kafka["spec"]["kafka"].get("authorization", {}).get("type") != "simple":
        yield "Kafka: ACLs need authorization type simple"
    for listener in kafka["spec"]["kafka"]["listeners"]:
        if "authentication" not in listener:
            yield f"Kafka: listener {listener['name']} lets clients in unauthenticated (the ACLs would not apply)"
        peers = {
            p["podSelector"]["matchLabels"].get("app.kubernetes.io/name")
            for p in listener.get("networkPolicyPeers", [])
        }
        if peers != set(SERVICES):
            yield f"Kafka: listener {listener['name']} admits {sorted(p or '?' for p in peers)}, not the four services"
    consumers = 0
    for deployment in deployments:
        if deployment["metadata"]["name"].endswith("-background"):
            replicas = deployment["spec"]["replicas"]
            for hpa in (o for o in objects if o["kind"] == "HorizontalPodAutoscaler"):
                if hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
                    replicas = max(replicas, hpa["spec"]["maxReplicas"])
            consumers = max(consumers, replicas)
    topics = {o["spec"]["topicName"]: o for o in objects if o["kind"] == "KafkaTopic"}
    for topic in ALL_TOPICS:
        resource = topics.get(topic.name)
        if resource is None:
            yield f"no KafkaTopic {topic.name}"
        elif resource["spec"]["partitions"] < consumers:
            yield f"{topic.name}: {resource['spec']['partitions']} partitions for up to {consumers} consumers in a group"
    reads, writes = projection_topics(), produced_topics()
    readers: dict[str, set[str]] = {t.name: set() for t in ALL_TOPICS}
    for svc in SERVICES:
        user = _find(objects, "KafkaUser", f"kepuri-{svc}")
        if user is None:
            yield f"no KafkaUser kepuri-{svc}"
            continue
        granted: dict[str, set[str]] = {}
        for acl in user["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            if resource["type"] == "topic":
                if resource.get("patternType", "literal") != "literal":
                    yield f"kepuri-{svc}: topic ACLs name each topic (a prefix would reach the restricted one)"
                granted.setdefault(resource["name"], set()).update(acl["operations"])
            elif resource["type"] == "group" and resource["name"] != f"{svc}.":
                yield f"kepuri-{svc}: may join groups {resource['name']}*, not only its own"
        can_read = {t for t, ops in granted.items() if "Read" in ops or "All" in ops}
        for topic in can_read:
            readers.setdefault(topic, set()).add(svc)
        if can_read != reads[svc]:
            yield f"kepuri-{svc}: reads {sorted(can_read)}, its projections {sorted(reads[svc])}"
        can_write = {t for t, ops in granted.items() if "Write" in ops or "All" in ops}
        if can_write != writes[svc]:
            yield f"kepuri-{svc}: writes {sorted(can_write)}, it produces {sorted(writes[svc])}"
        for deployment in deployments:
            if deployment["metadata"]["name"].startswith(f"{svc}-"):
                (container,) = deployment["spec"]["template"]["spec"]["containers"]
                if _env(container).get("KEPURI_KAFKA_SASL_USERNAME", {}).get("value") != f"kepuri-{svc}":
                    yield f"{deployment['metadata']['name']}: must connect to Kafka as kepuri-{svc}"
    for topic in ALL_TOPICS:
        if topic.restricted and readers.get(topic.name, set()) != {"notification"}:
            yield f"{topic.name} is restricted: read by {sorted(readers.get(topic.name, set()))}, not only notification"


def _caddy(objects: list[Object]) -> Iterator[str]:
    deployment = _find(objects, "Deployment", "caddy")
    if deployment is None:
        yield "no Deployment caddy"
        return
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = _env(container)
    for name in env:
        if name.startswith("KEPURI_") and "{$" + name not in caddyfile and f"env.{name}" not in caddyfile:
            yield f"caddy: {name} is not a variable of deploy/caddy/Caddyfile"
    for svc, (port, _) in SERVICES.items():
        if env.get(f"KEPURI_{svc.upper()}_UPSTREAM", {}).get("value") != f"{svc}-api:{port}":
            yield f"caddy: KEPURI_{svc.upper()}_UPSTREAM must be the Service {svc}-api:{port}"
    address = env.get("KEPURI_SITE_ADDRESS", {}).get("value", "")
    if address.rpartition(":")[2] != str(container["ports"][0]["containerPort"]):
        yield f"caddy: KEPURI_SITE_ADDRESS {address} is not the container's port"
