"""/docs: the OpenAPI schema as a self-contained HTML page (no CDN, no script)."""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
.op{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}
.m{font-weight:700;font-family:monospace;display:inline-block;min-width:4.5rem}
code{background:#f6f8fa;padding:0 .25rem;border-radius:4px}
"""


# The page's one inline stylesheet is allowed by its hash; nothing else may load.
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
DOCS_HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
    "frame-ancestors 'none'; base-uri 'none'"
}


def _parameters(operation: dict[str, Any]) -> str:
    rows = [
        f"<li><code>{escape(p['name'])}</code> ({escape(p.get('in', ''))})"
        f"{' required' if p.get('required') else ''}</li>"
        for p in operation.get("parameters", [])
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        ref = body.get("schema", {}).get("$ref", "")
        rows.append(f"<li>JSON body: <code>{escape(ref.rsplit('/', 1)[-1])}</code></li>")
    return f"<ul>{''.join(rows)}</ul>" if rows else ""


def render(schema: dict[str, Any]) -> str:
    sections: dict[str, list[str]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            tag = (operation.get("tags") or ["other"])[0]
            summary = escape(operation.get("summary", ""))
            sections.setdefault(tag, []).append(
                f'<div class="op"><span class="m">{method.upper()}</span> '
                f"<code>{escape(path)}</code> — {summary}{_parameters(operation)}</div>"
            )
    parts = [f"<h2>{escape(tag)}</h2>{''.join(ops)}" for tag, ops in sections.items()]
    title = escape(schema.get("info", {}).get("title", "API"))
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
        f"<style>{_STYLE}</style><h1>{title}</h1>"
        f'<p>Machine-readable schema: <a href="/openapi.json">/openapi.json</a></p>'
        f"{''.join(parts)}</html>"
    )


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(render(request.app.openapi()), headers=DOCS_HEADERS)
