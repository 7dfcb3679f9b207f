"""The API's generated OpenAPI document, and real responses checked against its schemas."""

from __future__ import annotations

from typing import Any

import jsonschema


def document(client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_of(client, name: str) -> dict[str, Any]:
    """A component schema with the document's components beside it, so $refs resolve."""
    doc = document(client)
    return {**doc["components"]["schemas"][name], "components": doc["components"]}


def validate(client, body: Any, name: str) -> None:
    """``body`` has exactly the shape the document gives ``name`` (closed objects included)."""
    jsonschema.validate(body, schema_of(client, name))
