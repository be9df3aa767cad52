"""deploy/kubernetes/ renders, is valid Kubernetes, passes checkov and keeps Kepuri's own rules.

No cluster and no kustomize binary: the base and every overlay are rendered by tests/deploy/kustomize.py
(the kustomize features they use, nothing more). Then

- every object of a built-in kind is validated against the Kubernetes JSON schemas of
  ``KUBERNETES_VERSION`` in strict mode (unknown fields are errors), from the schemas the
  ``kubernetes-validate`` wheel ships (a dev dependency; offline);
- the Strimzi objects (Kafka, KafkaNodePool, KafkaTopic, KafkaUser) are NOT schema-validated: their
  CRD schemas are not shipped in any wheel and are not vendored here. They were checked against
  Strimzi 1.x's CRDs (kafka.strimzi.io/v1) by hand when written; here the rules of
  tests/deploy/kubernetes_rules.py check what matters in them (topics, partitions, ACLs, listener);
- checkov, from a venv of its own built from deploy/kubernetes/requirements-checkov.lock (its pins
  would move requirements.lock back: see deploy/README.md), checks every rendered overlay with the
  skips of deploy/kubernetes/.checkov.yaml, each with its reason, and finds a broken manifest broken.

Building checkov's venv needs the package index once (then it is reused from
``KEPURI_CHECKOV_VENV``, default ~/.cache/kepuri/checkov-<hash of the lock>); without it the test
fails, it never skips.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from shared.events.topics import CONTACTS

from .kubernetes_rules import problems
from .kustomize import UnsupportedKustomization, render

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.33"
CRD_KINDS = {
    ("kafka.strimzi.io/v1", "Kafka"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"),
    ("kafka.strimzi.io/v1", "KafkaTopic"),
    ("kafka.strimzi.io/v1", "KafkaUser"),
}
TARGETS = ["base", *sorted(f"overlays/{p.name}" for p in (KUBE / "overlays").iterdir() if p.is_dir())]
CHECKOV_LOCK = KUBE / "requirements-checkov.lock"

Object = dict[str, Any]


def rendered(target: str) -> list[Object]:
    return render(KUBE / target)


def find(objects: list[Object], kind: str, name: str) -> Object:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def test_there_is_a_national_overlay() -> None:
    assert "overlays/national" in TARGETS


@pytest.mark.parametrize("target", TARGETS)
def test_renders_distinct_objects(target: str) -> None:
    objects = rendered(target)
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))
    assert {o["kind"] for o in objects} >= {"Deployment", "Service", "HorizontalPodAutoscaler", "NetworkPolicy"}


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_is_valid_kubernetes(target: str) -> None:
    unchecked = set()
    for obj in rendered(target):
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            unchecked.add((obj["apiVersion"], obj["kind"]))
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    assert unchecked == CRD_KINDS  # no other kind escapes the schemas


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["spec"].update(replica=3),  # a misspelt field
        lambda d: d["spec"].update(replicas="3"),  # a wrong type
        lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"),  # a required field
    ],
)
def test_the_schemas_find_a_broken_deployment(mutate: Callable[[Object], object]) -> None:
    deployment = copy.deepcopy(find(rendered("base"), "Deployment", "registration-api"))
    mutate(deployment)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("target", TARGETS)
def test_the_rules_hold(target: str) -> None:
    assert problems(rendered(target)) == []


def _acl_read(objects: list[Object], user: str, topic: str) -> None:
    find(objects, "KafkaUser", user)["spec"]["authorization"]["acls"].append(
        {"resource": {"type": "topic", "name": topic, "patternType": "literal"}, "operations": ["Read"]}
    )


def _container(objects: list[Object], name: str) -> Object:
    container: Object = find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]
    return container


BREAKS: dict[str, tuple[Callable[[list[Object]], object], str]] = {
    "analytics reads the restricted topic": (
        lambda o: _acl_read(o, "kepuri-analytics", CONTACTS.name),
        f"{CONTACTS.name} is restricted",
    ),
    "a prefix ACL": (
        lambda o: find(o, "KafkaUser", "kepuri-review")["spec"]["authorization"]["acls"].append(
            {"resource": {"type": "topic", "name": "kepuri.", "patternType": "prefix"}, "operations": ["Describe"]}
        ),
        "topic ACLs name each topic",
    ),
    "more consumers than partitions": (
        lambda o: find(o, "Deployment", "registration-background")["spec"].update(replicas=17),
        "partitions for up to 17 consumers",
    ),
    "an unauthenticated listener": (
        lambda o: find(o, "Kafka", "kepuri-kafka")["spec"]["kafka"]["listeners"][0].pop("authentication"),
        "unauthenticated",
    ),
    "no readiness probe": (
        lambda o: _container(o, "review-api").pop("readinessProbe"),
        "review-api: readinessProbe",
    ),
    "a root container": (
        lambda o: _container(o, "notification-background")["securityContext"].update(runAsUser=0),
        "must be non-root",
    ),
    "a kept capability": (
        lambda o: _container(o, "caddy")["securityContext"]["capabilities"].update(add=["NET_BIND_SERVICE"]),
        "without capabilities",
    ),
    "no limits": (
        lambda o: _container(o, "analytics-api")["resources"].pop("limits"),
        "limits of cpu and memory",
    ),
    "the background role on the api port": (
        lambda o: _container(o, "registration-background")["ports"][0].update(containerPort=8001),
        "registration-background: listens on [8001]",
    ),
    "the api role without --workers": (
        lambda o: _container(o, "review-api").update(args=["--role", "api"]),
        "args must be --role api --workers N",
    ),
    "a misspelt setting": (
        lambda o: _container(o, "analytics-api")["env"].append({"name": "KEPURI_ANALYTICS_DATABSE_URL", "value": "x"}),
        "KEPURI_ANALYTICS_DATABSE_URL is read by no service's settings",
    ),
    "a password in the manifest": (
        lambda o: next(
            e for e in _container(o, "review-api")["env"] if e["name"] == "KEPURI_REVIEW_DATABASE_URL"
        ).update(value="postgresql+asyncpg://review:hunter2@db/review", valueFrom={}),
        "KEPURI_REVIEW_DATABASE_URL must come from a Secret",
    ),
    "a committed Secret": (
        lambda o: o.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "kepuri"}}),
        "Secret x is committed",
    ),
    "no HPA on an api role": (
        lambda o: o.remove(find(o, "HorizontalPodAutoscaler", "registration-api")),
        "no autoscaling/v2 HorizontalPodAutoscaler on registration-api",
    ),
    "replicas under an HPA": (
        lambda o: find(o, "Deployment", "review-api")["spec"].update(replicas=3),
        "review-api: sets replicas",
    ),
    "no PodDisruptionBudget": (
        lambda o: o.remove(find(o, "PodDisruptionBudget", "analytics-background")),
        "analytics-background: 0 PodDisruptionBudgets",
    ),
    "a pod outside default-deny": (
        lambda o: find(o, "Deployment", "review-background")["spec"]["template"]["metadata"]["labels"].pop(
            "app.kubernetes.io/part-of"
        ),
        "review-background: not closed by default-deny",
    ),
    "a background role open to the namespace": (
        lambda o: find(o, "NetworkPolicy", "notification-background")["spec"]["ingress"].append(
            {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 8103}]}
        ),
        "notification-background: notification-background lets other pods of this namespace in",
    ),
    "the operations table reading the api roles": (
        lambda o: next(
            e for e in _container(o, "analytics-api")["env"] if e["name"] == "KEPURI_ANALYTICS_PEERS_METRICS"
        ).update(value="http://registration-api:8001/metrics"),
        "analytics-api: KEPURI_ANALYTICS_PEERS_METRICS must be the background roles' /metrics",
    ),
    "Caddy routing to a role that is not the api": (
        lambda o: next(e for e in _container(o, "caddy")["env"] if e["name"] == "KEPURI_REVIEW_UPSTREAM").update(
            value="review-background:8102"
        ),
        "KEPURI_REVIEW_UPSTREAM must be the Service review-api:8002",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_the_rules_find_what_is_broken_on_purpose(name: str) -> None:
    mutate, expected = BREAKS[name]
    objects = copy.deepcopy(rendered("overlays/national"))
    mutate(objects)
    found = problems(objects)
    assert any(expected in problem for problem in found), found


def test_the_renderer_refuses_what_it_does_not_know(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\ncommonLabels: {a: b}\n"
    )
    with pytest.raises(UnsupportedKustomization, match="commonLabels"):
        render(tmp_path)


def test_the_national_overlay_patches_what_it_says() -> None:
    objects = rendered("overlays/national")
    assert find(objects, "HorizontalPodAutoscaler", "registration-api")["spec"]["maxReplicas"] == 16
    assert find(objects, "Deployment", "registration-background")["spec"]["replicas"] == 4
    assert _container(objects, "registration-api")["image"] == "registry.example.cn/kepuri/registration:0.1.0"


def test_the_site_image_serves_the_caddyfile_of_kepuri_up() -> None:
    dockerfile = (KUBE / "site" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY deploy/caddy/Caddyfile /etc/caddy/Caddyfile" in dockerfile
    assert "/etc/caddy/Caddyfile" in _container(rendered("base"), "caddy")["args"]


# ---- checkov --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def checkov() -> Path:
    """checkov's executable, in a venv built once from requirements-checkov.lock (hashes required)."""
    digest = hashlib.sha256(CHECKOV_LOCK.read_bytes()).hexdigest()[:12]
    default = Path.home() / ".cache" / "kepuri" / f"checkov-{digest}"
    venv = Path(os.environ.get("KEPURI_CHECKOV_VENV", default))
    executable = venv / "bin" / "checkov"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps"]
        subprocess.run([*pip, "--requirement", str(CHECKOV_LOCK)], check=True)
    return executable


def _broken_deployment() -> Object:
    deployment = copy.deepcopy(find(rendered("base"), "Deployment", "analytics-background"))
    deployment["metadata"]["name"] = "broken"
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"] = {"privileged": True, "runAsUser": 0}
    container.pop("livenessProbe")
    return deployment


def test_checkov_passes_every_overlay_and_fails_a_broken_one(checkov: Path, tmp_path: Path) -> None:
    files = {target: tmp_path / f"{target.replace('/', '-')}.yaml" for target in TARGETS}
    for target, path in files.items():
        path.write_text(yaml.safe_dump_all(rendered(target), sort_keys=False), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(_broken_deployment(), sort_keys=False), encoding="utf-8")
    result = subprocess.run(
        [str(checkov), "--config-file", str(KUBE / ".checkov.yaml"), "--output", "json", "--directory", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    reports = json.loads(result.stdout)
    report = reports[0] if isinstance(reports, list) else reports
    failed: dict[str, set[str]] = {}
    for check in report["results"]["failed_checks"]:
        failed.setdefault(Path(check["file_path"]).name, set()).add(check["check_id"])
    assert set(failed) == {"broken.yaml"}, failed
    assert {"CKV_K8S_16", "CKV_K8S_8"} <= failed["broken.yaml"]  # privileged, no liveness probe
    assert report["summary"]["passed"] > 100


def test_every_checkov_skip_says_why() -> None:
    lines = (KUBE / ".checkov.yaml").read_text(encoding="utf-8").splitlines()
    skips = [i for i, line in enumerate(lines) if line.strip().startswith("- CKV")]
    assert skips
    for i in skips:
        assert lines[i - 1].strip().startswith("#"), f"{lines[i].strip()} has no reason above it"
