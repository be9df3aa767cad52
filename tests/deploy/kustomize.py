"""A renderer for the part of kustomize that deploy/kubernetes/ uses, so the tests need no binary.

Supported: ``resources`` (YAML files and directories with a kustomization.yaml), ``namespace``,
``images`` (name, newName, newTag) and ``patches`` that are inline JSON 6902 operations (add, replace,
remove) with a ``target`` of kind and name. Anything else in a kustomization raises
:class:`UnsupportedKustomization`, so a feature the renderer does not know fails the tests instead of
being skipped silently: teach it here first (and keep it what ``kubectl apply -k`` does).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]

KNOWN_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
# kinds kustomize leaves without a namespace (the cluster-scoped ones this deployment has)
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"}


class UnsupportedKustomization(ValueError):
    """A kustomization uses something this renderer does not implement."""


def render(directory: Path) -> list[Object]:
    """The objects ``kustomize build directory`` would print, in resource order."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - KNOWN_KEYS
    if unknown:
        raise UnsupportedKustomization(f"{directory}: {sorted(unknown)} not supported by tests/deploy/kustomize.py")
    if kustomization.get("kind") != "Kustomization":
        raise UnsupportedKustomization(f"{directory}: kind must be Kustomization")
    objects: list[Object] = []
    for resource in kustomization.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc)
    objects = copy.deepcopy(objects)
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, patch, directory)
    return objects


def _containers(obj: Object) -> list[Object]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def _set_image(objects: list[Object], image: Object) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise UnsupportedKustomization(f"images: {image} (only name, newName, newTag)")
    matched = False
    for obj in objects:
        for container in _containers(obj):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                matched = True
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    if not matched:
        raise UnsupportedKustomization(f"images: {image['name']} is no container's image")


def _apply_patch(objects: list[Object], patch: Object, directory: Path) -> None:
    if set(patch) != {"target", "patch"} or set(patch["target"]) - {"kind", "name"}:
        raise UnsupportedKustomization(f"{directory}: patches need exactly target (kind, name) and an inline patch")
    operations = yaml.safe_load(patch["patch"])
    if not isinstance(operations, list):
        raise UnsupportedKustomization(f"{directory}: only JSON 6902 patches (a list of operations)")
    targets = [
        obj
        for obj in objects
        if obj["kind"] == patch["target"]["kind"] and obj["metadata"]["name"] == patch["target"]["name"]
    ]
    if len(targets) != 1:
        raise UnsupportedKustomization(f"{directory}: patch target {patch['target']} matches {len(targets)} objects")
    for operation in operations:
        _json_patch(targets[0], operation)


def _json_patch(obj: Object, operation: Object) -> None:
    op, path = operation["op"], operation["path"]
    if op not in {"add", "replace", "remove"}:
        raise UnsupportedKustomization(f"JSON patch op {op!r}")
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        index = len(node) if last == "-" else int(last)
        if op == "add":
            node.insert(index, operation["value"])
        elif op == "replace":
            node[index] = operation["value"]
        else:
            del node[index]
        return
    if op in {"replace", "remove"} and last not in node:
        raise KeyError(f"JSON patch {op} {path}: no such member")
    if op == "remove":
        del node[last]
    else:
        node[last] = operation["value"]
