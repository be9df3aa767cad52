"""The published event contract: JSON Schemas and an AsyncAPI document generated from the catalog (DESIGN §4).

``docs/events/`` holds one JSON Schema (draft 2020-12) per event type and version, named like the
envelope's ``dataschema``, and ``asyncapi.yaml`` describing topics, messages and who sends them.
The files are generated (``kepuri events``) and committed; tests hold them to the catalog, and
:func:`compatibility_problems` refuses any change to a published version but an optional addition.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from .catalog import Catalog, EventType
from .envelope import JSON, SPECVERSION, dataschema_uri, schema_name
from .registry import CATALOG
from .topics import ALL_TOPICS, Topic

Schema = dict[str, Any]
ASYNCAPI_FILE = "asyncapi.yaml"
ASYNCAPI_VERSION = "1.0.0"
SCHEMA_FILE = re.compile(r"^(?P<type>[a-z0-9-]+)\.v(?P<version>[0-9]+)\.json$")
# The CloudEvents Kafka binding in binary mode: the context attributes as headers (see codec.py).
HEADERS: dict[str, Schema] = {
    "ce_id": {"description": "Unique event id (UUID); consumers deduplicate on it."},
    "ce_source": {"description": "URI reference of the producing service, e.g. /kepuri/registration."},
    "ce_type": {"description": "The event type, e.g. activity-registered."},
    "ce_specversion": {"const": SPECVERSION, "description": "CloudEvents specification version."},
    "ce_time": {"format": "date-time", "description": "When the event happened, RFC 3339."},
    "ce_subject": {"description": "The aggregate id, also the message key: one aggregate's events keep their order."},
    "ce_dataschema": {
        "description": "<base>/<type>.v<N>.json, an absolute URI: the payload's schema, naming its version."
    },
    "ce_sequence": {"pattern": "^[0-9]+$", "description": "The aggregate version this event created."},
    "ce_correlationid": {"description": "Id of the request or workflow the event belongs to (optional)."},
    "ce_causationid": {"description": "Id of the event or command that caused this one (optional)."},
    "ce_campaign": {"description": "The campaign id (optional)."},
    "content-type": {"const": JSON, "description": "The datacontenttype of the payload."},
}
_OPTIONAL_HEADERS = ("ce_correlationid", "ce_causationid", "ce_campaign")
# Keywords that document rather than constrain, and those compared structurally by _compare.
_IGNORED = frozenset({"$comment", "$defs", "$id", "$schema", "deprecated", "description", "examples", "title"})
_STRUCTURAL = frozenset(
    {"$ref", "additionalProperties", "allOf", "anyOf", "items", "oneOf", "prefixItems", "properties", "required"}
)


def schema_file(event_type: str, version: int) -> str:
    """The file name of one payload version's schema, the last part of its ``dataschema``."""
    return schema_name(event_type, version)


def event_schema(event: EventType, version: int) -> Schema:
    """The JSON Schema of one payload version, with ``$id`` equal to the envelope's ``dataschema``."""
    schema: Schema = event.versions[version].model_json_schema()
    return {
        **schema,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": dataschema_uri(event.name, version),
        "title": f"{event.name} v{version}",
        "x-kepuri-event-type": event.name,
        "x-kepuri-version": version,
        "x-kepuri-latest": version == max(event.versions),
        "x-kepuri-producer": event.producer,
        "x-kepuri-topic": event.topic.name,
        "x-kepuri-restricted": event.topic.restricted,
    }


def asyncapi_document(catalog: Catalog = CATALOG, topics: tuple[Topic, ...] = ALL_TOPICS) -> Schema:
    """An AsyncAPI 3.0.0 document: a channel per topic, a message per event type, a ``send`` per producer."""
    channels: Schema = {
        t.name: {
            "address": t.name,
            "description": ("RESTRICTED: personal data in clear. " if t.restricted else "") + f"{t.description}.",
            "messages": {},
            "x-kepuri-restricted": t.restricted,
        }
        for t in topics
    }
    messages: Schema = {}
    operations: Schema = {}
    for event in sorted(catalog, key=lambda e: e.name):
        latest = max(event.versions)
        channel_ref = f"#/channels/{event.topic.name}"
        channels[event.topic.name]["messages"][event.name] = {"$ref": f"#/components/messages/{event.name}"}
        messages[event.name] = _message(event, latest)
        operations[f"{event.producer}.send.{event.name}"] = {
            "action": "send",
            "channel": {"$ref": channel_ref},
            "messages": [{"$ref": f"{channel_ref}/messages/{event.name}"}],
            "summary": f"The {event.producer} service publishes {event.name}.",
            "tags": [{"name": event.producer}],
        }
    header_schema: Schema = {
        "type": "object",
        "description": "CloudEvents 1.0 Kafka protocol binding, binary content mode: attributes as headers.",
        "properties": {name: {"type": "string", **schema} for name, schema in HEADERS.items()},
        "required": [name for name in HEADERS if name not in _OPTIONAL_HEADERS],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kepuri events",
            "version": ASYNCAPI_VERSION,
            "description": "The event streams of Kepuri (全国科普日). Every message is a CloudEvent in binary "
            "mode; each payload schema is versioned by ce_dataschema. Generated by `kepuri events`.",
        },
        "defaultContentType": JSON,
        "servers": {
            "production": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The production Apache Kafka (KRaft) cluster.",
                "variables": {
                    "bootstrap": {"default": "kafka:9092", "description": "Bootstrap servers, as in KEPURI_BUS_URL."}
                },
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": {"cloudevents-headers": header_schema}},
    }


def _message(event: EventType, version: int) -> Schema:
    model = event.versions[version]
    versions = [dataschema_uri(event.name, v) for v in sorted(event.versions)]
    description = f"Produced by the {event.producer} service on {event.topic.name}."
    if len(versions) > 1:
        description += f" Older versions may still be on the log ({', '.join(versions[:-1])}); readers upcast them."
    return {
        "name": event.name,
        "title": f"{event.name} v{version}",
        "summary": (model.__doc__ or event.name).strip().splitlines()[0],
        "description": description,
        "contentType": JSON,
        "headers": {
            "type": "object",
            "allOf": [{"$ref": "#/components/schemas/cloudevents-headers"}],
            "properties": {"ce_type": {"const": event.name}, "ce_dataschema": {"enum": versions}},
        },
        "payload": {
            "schemaFormat": "application/schema+json;version=draft-2020-12",
            "schema": {"$ref": f"./{schema_file(event.name, version)}"},
        },
        "correlationId": {"location": "$message.header#/ce_correlationid"},
        "bindings": {"kafka": {"key": {"type": "string", **HEADERS["ce_subject"]}, "bindingVersion": "0.5.0"}},
        "x-kepuri-version": version,
    }


def render_docs(catalog: Catalog = CATALOG) -> dict[str, str]:
    """Every generated file's name and exact text: sorted keys, UTF-8 kept, a trailing newline."""
    dump = json.JSONEncoder(indent=2, sort_keys=True, ensure_ascii=False).encode
    files = {schema_file(e.name, v): dump(event_schema(e, v)) + "\n" for e in catalog for v in e.versions}
    files[ASYNCAPI_FILE] = yaml.safe_dump(asyncapi_document(catalog), sort_keys=True, allow_unicode=True, width=1000)
    return dict(sorted(files.items()))


def write_docs(directory: Path) -> list[Path]:
    """Write every generated file into ``directory``; returns the paths written, sorted."""
    directory.mkdir(parents=True, exist_ok=True)
    files = render_docs()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    return [directory / name for name in files]


def check_docs(directory: Path) -> list[str]:
    """Names of files in ``directory`` that are missing or differ from what the catalog generates now.

    A schema file the catalog no longer generates (a version or type removed) is listed too.
    """
    expected = render_docs()
    stale = [n for n, text in expected.items() if not (directory / n).is_file() or _read(directory / n) != text]
    orphans = [p.name for p in directory.glob("*.json") if p.name not in expected] if directory.is_dir() else []
    return sorted(stale + orphans)


def published_problems(directory: Path) -> list[str]:
    """Every way the catalog breaks a schema file committed in ``directory`` (see :func:`compatibility_problems`)."""
    problems = []
    for path in sorted(directory.glob("*.json")):
        match = SCHEMA_FILE.match(path.name)
        event = next((e for e in CATALOG if match and e.name == match["type"]), None)
        if match is None or event is None or int(match["version"]) not in event.versions:
            problems.append(f"{path.name}: no such event type and version in the catalog")
            continue
        new = event_schema(event, int(match["version"]))
        problems += [f"{path.name}: {p}" for p in compatibility_problems(json.loads(_read(path)), new)]
    return problems


def compatibility_problems(old: Schema, new: Schema) -> list[str]:
    """Why a payload schema ``new`` may not replace ``old`` under the same version; empty if it may.

    Only an added optional property is compatible. A removed property, a changed type, format, const,
    default or constraint, an enum value removed or added, a property that became required or optional,
    a changed ``anyOf``/``items``/``additionalProperties``: each is a problem, reported with its path.
    ``$ref`` is followed on both sides (pydantic's ``$defs``); titles and descriptions are ignored.
    """
    problems: list[str] = []
    _compare(old, new, "", (old, new), problems, set())
    return problems


def _compare(old: Any, new: Any, path: str, roots: tuple[Schema, Schema], out: list[str], seen: set[Any]) -> None:
    where = path or "(root)"
    if isinstance(old, dict) and isinstance(new, dict):
        refs = (old.get("$ref"), new.get("$ref"))
        if refs[0] and refs[1]:
            if refs in seen:
                return  # this pair of definitions is compared already (or being compared: a recursive model)
            seen.add(refs)
        old, new = _deref(old, roots[0]), _deref(new, roots[1])
    if not (isinstance(old, dict) and isinstance(new, dict)):
        if old != new:
            out.append(f"{where}: schema changed from {old!r} to {new!r}")
        return
    for keyword in sorted((set(old) | set(new)) - _IGNORED - _STRUCTURAL):
        if keyword.startswith("x-") or old.get(keyword) == new.get(keyword):
            continue
        if keyword == "enum" and isinstance(old.get(keyword), list) and isinstance(new.get(keyword), list):
            removed = [v for v in old["enum"] if v not in new["enum"]]
            added = [v for v in new["enum"] if v not in old["enum"]]
            out += [f"{where}: enum value {v!r} removed" for v in removed]
            out += [f"{where}: enum value {v!r} added (older readers reject it)" for v in added]
        elif keyword == "type" and _types(old) == _types(new):
            continue
        else:
            out.append(f"{where}: {keyword} changed from {old.get(keyword)!r} to {new.get(keyword)!r}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(old_props):
        if name not in new_props:
            out.append(f"{_child(path, name)}: property removed")
        else:
            _compare(old_props[name], new_props[name], _child(path, name), roots, out, seen)
    for name in sorted(new_required - old_required):
        out.append(f"{_child(path, name)}: {'became' if name in old_props else 'new property is'} required")
    for name in sorted((old_required - new_required) & set(new_props)):
        out.append(f"{_child(path, name)}: no longer required (readers relying on it break)")
    for keyword in ("additionalProperties", "items"):
        if keyword in old or keyword in new:
            default: Any = True if keyword == "additionalProperties" else {}
            child = f"{path}[]" if keyword == "items" else _child(path, "*")
            _compare(old.get(keyword, default), new.get(keyword, default), child, roots, out, seen)
    for keyword in ("prefixItems", "anyOf", "oneOf", "allOf"):
        old_list, new_list = old.get(keyword), new.get(keyword)
        if old_list is None and new_list is None:
            continue
        if not isinstance(old_list, list) or not isinstance(new_list, list) or len(old_list) != len(new_list):
            out.append(f"{where}: {keyword} changed from {old_list!r} to {new_list!r}")
            continue
        for index, (old_item, new_item) in enumerate(zip(old_list, new_list, strict=True)):
            _compare(old_item, new_item, f"{path}<{keyword}[{index}]>", roots, out, seen)


def _deref(node: Schema, root: Schema) -> Schema:
    """Follow local ``$ref`` chains; sibling keywords of a ``$ref`` are kept on top of the target."""
    hops = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#") and hops < 32:
        target: Any = root
        for part in node["$ref"][1:].split("/")[1:]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        hops += 1
    return node


def _types(schema: Schema) -> set[str]:
    value = schema.get("type")
    return {value} if isinstance(value, str) else set(value or ())


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``kepuri events``: write the event docs, or with ``--check`` list stale files and exit 1."""
    parser = argparse.ArgumentParser(prog="kepuri events", description="Generate docs/events from the catalog.")
    parser.add_argument("--out", type=Path, default=Path("docs/events"), help="directory (default docs/events)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    parser.add_argument("--allow-breaking", action="store_true", help="overwrite published schemas incompatibly")
    args = parser.parse_args(argv)
    if args.check:
        stale = check_docs(args.out)
        if stale:
            print(
                "stale event docs (run `kepuri events`):", *(args.out / n for n in stale), sep="\n  ", file=sys.stderr
            )
        return 1 if stale else 0
    problems = published_problems(args.out) if args.out.is_dir() else []
    if problems and not args.allow_breaking:
        print(
            "refusing to break published event schemas (add a new version with an upcaster instead):",
            *problems,
            sep="\n  ",
            file=sys.stderr,
        )
        return 2
    for path in write_docs(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
