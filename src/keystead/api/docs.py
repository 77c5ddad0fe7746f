"""/docs: the OpenAPI document as one self-contained HTML page (no CDN, no script).

Every operation with its permission, parameters, body and answers; every object with
its fields (type, whether required, what it means) and an example built from the
schema, using the examples the models give.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
.op,.schema{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}
.m{font-weight:700;font-family:monospace;display:inline-block;min-width:4.5rem}
code,pre{background:#f6f8fa;border-radius:4px}
code{padding:0 .25rem}
pre{padding:.5rem;overflow-x:auto;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:.5rem 0}
th,td{border-bottom:1px solid #d0d7de;text-align:left;padding:.2rem .4rem;vertical-align:top}
td,th,p,h2,h3{overflow-wrap:anywhere}
@media (max-width:40rem){body{margin:1rem auto}pre{white-space:pre-wrap;overflow-wrap:anywhere}}
"""

# The page's one inline stylesheet is allowed by its hash; nothing else may load.
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
DOCS_HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
    "frame-ancestors 'none'; base-uri 'none'"
}
_REF = "#/components/schemas/"
_CODE = re.compile(r"`([^`]+)`")
_FORMAT_EXAMPLES = {
    "date-time": "2026-03-13T14:45:00Z",
    "date": "2026-03-13",
    "time": "09:45:00",
    "email": "demo@keystead.dev",
}


def _text(value: str) -> str:
    """Escaped text with its `code` spans marked up."""
    return _CODE.sub(r"<code>\1</code>", escape(value))


def _name(reference: str) -> str:
    return reference.removeprefix(_REF)


def _link(name: str) -> str:
    return f'<a href="#schema-{escape(name)}">{escape(name)}</a>'


def type_of(schema: dict[str, Any], nested: bool = False) -> str:
    """A schema as a reader says it: `list of Leg`, `string (date-time) or null`."""
    if "$ref" in schema:
        return _link(_name(schema["$ref"]))
    if "anyOf" in schema:
        either = " or ".join(type_of(branch, nested=True) for branch in schema["anyOf"])
        return f"({either})" if nested else either
    if "const" in schema:
        return f"<code>{escape(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{escape(str(item))}</code>" for item in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}), nested=True)}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        keys = schema.get("propertyNames", {})
        by = f" by {type_of(keys, nested=True)}" if keys else ""
        return f"map{by} of {type_of(schema['additionalProperties'], nested=True)}"
    if kind is None:
        return "any"
    detail = schema.get("format") or ("pattern " + schema["pattern"] if "pattern" in schema else "")
    return f"{escape(kind)} ({escape(detail)})" if detail else escape(kind)


def example_of(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value the schema takes: its own example where it gives one, else a made-up one."""
    if "$ref" in schema:
        target = components.get(_name(schema["$ref"]), {})
        return example_of(target, components, depth + 1) if depth < 12 else {}
    for key in ("examples", "example"):
        if key in schema:
            found = schema[key]
            return found[0] if key == "examples" and isinstance(found, list) and found else found
    if "anyOf" in schema:
        branches = [branch for branch in schema["anyOf"] if branch.get("type") != "null"]
        return example_of(branches[0], components, depth) if branches else None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        if "properties" in schema:
            return {
                name: example_of(field, components, depth)
                for name, field in schema["properties"].items()
            }
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            key = example_of(schema.get("propertyNames", {"type": "string"}), components, depth)
            return {str(key): example_of(values, components, depth)}
        return {}
    if kind == "array":
        return [example_of(schema.get("items", {}), components, depth)]
    return _scalar_example(schema)


def _scalar_example(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "string":
        return _FORMAT_EXAMPLES.get(schema.get("format", ""), "text")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return None


def _meaning(field: dict[str, Any]) -> str:
    """A field's description, or its type's when the field is `X | None`."""
    if "description" in field:
        return str(field["description"])
    branches = [branch.get("description", "") for branch in field.get("anyOf", ())]
    return next((text for text in branches if text), "")


def _fields(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    rows = []
    for name, field in schema.get("properties", {}).items():
        description = _meaning(field)
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td><td>{type_of(field)}</td>"
            f"<td>{'yes' if name in required else 'no'}</td><td>{_text(description)}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<table><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr>"
        f"{''.join(rows)}</table>"
    )


def _example_block(example: Any) -> str:
    shown = json.dumps(example, indent=2, ensure_ascii=False)
    return f"<details><summary>Example</summary><pre>{escape(shown)}</pre></details>"


def _parameters(operation: dict[str, Any]) -> str:
    rows = [
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
        f"<td>{type_of(p.get('schema', {}))}</td><td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td>{_text(p.get('description', ''))}</td></tr>"
        for p in operation.get("parameters", [])
    ]
    if not rows:
        return ""
    return (
        "<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th>"
        f"<th>meaning</th></tr>{''.join(rows)}</table>"
    )


def _body(operation: dict[str, Any], components: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return ""
    schema = content.get("schema", {})
    return f"<p>JSON body: {type_of(schema)}</p>{_example_block(example_of(schema, components))}"


def _answers(operation: dict[str, Any], components: dict[str, Any]) -> str:
    parts = []
    failures = []
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if status.startswith("2") and schema:
            parts.append(
                f"<p>{escape(status)}: {type_of(schema)}</p>"
                f"{_example_block(example_of(schema, components))}"
            )
        elif not status.startswith("2"):
            failures.append(
                f'<abbr title="{escape(response.get("description", ""))}">{escape(status)}</abbr>'
            )
    if failures:
        parts.append(f"<p>Failures, in the envelope: {', '.join(failures)}</p>")
    return "".join(parts)


def _operation(
    path: str, method: str, operation: dict[str, Any], components: dict[str, Any]
) -> str:
    summary = escape(operation.get("summary", ""))
    description = operation.get("description", "")
    paragraphs = "".join(f"<p>{_text(part)}</p>" for part in description.split("\n\n") if part)
    return (
        f'<div class="op"><span class="m">{method.upper()}</span> '
        f"<code>{escape(path)}</code> — {summary}{paragraphs}{_parameters(operation)}"
        f"{_body(operation, components)}{_answers(operation, components)}</div>"
    )


def _schema(name: str, schema: dict[str, Any], components: dict[str, Any]) -> str:
    description = schema.get("description", "")
    return (
        f'<div class="schema" id="schema-{escape(name)}"><h3>{escape(name)}</h3>'
        f"{f'<p>{_text(description)}</p>' if description else ''}{_fields(schema)}"
        f"{_example_block(example_of(schema, components))}</div>"
    )


def _headers(headers: dict[str, Any]) -> str:
    rows = [
        f"<tr><td><code>{escape(name)}</code></td><td>{type_of(header.get('schema', {}))}</td>"
        f"<td>{_text(header.get('description', ''))}</td></tr>"
        for name, header in headers.items()
    ]
    if not rows:
        return ""
    return (
        "<h2>Headers on <code>/v1</code> answers</h2><table><tr><th>header</th><th>type</th>"
        f"<th>meaning</th></tr>{''.join(rows)}</table>"
    )


def render(schema: dict[str, Any]) -> str:
    components = schema.get("components", {})
    models = components.get("schemas", {})
    sections: dict[str, list[str]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["other"])[0]
            sections.setdefault(tag, []).append(_operation(path, method, operation, models))
    parts = [f"<h2>{escape(tag)}</h2>{''.join(ops)}" for tag, ops in sections.items()]
    objects = "".join(_schema(name, model, models) for name, model in sorted(models.items()))
    info = schema.get("info", {})
    title = escape(info.get("title", "API"))
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        f"<style>{_STYLE}</style><h1>{title}</h1><p>{_text(info.get('description', ''))}</p>"
        f'<p>Machine-readable schema: <a href="/openapi.json">/openapi.json</a>. '
        "Guarded operations take <code>Authorization: Bearer &lt;token&gt;</code>.</p>"
        f"{_headers(components.get('headers', {}))}{''.join(parts)}"
        f"<h2>Objects</h2>{objects}</html>"
    )


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    state = request.app.state
    if getattr(state, "docs_page", None) is None:  # the document is fixed once built
        state.docs_page = render(request.app.openapi())
    return HTMLResponse(state.docs_page, headers=DOCS_HEADERS)
