"""Reading OpenAPI documents in tests: local $refs resolved, operations and their parameters."""

from __future__ import annotations

from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def deref(document: dict[str, Any], node: Any) -> Any:
    """``node`` with every local ``$ref`` replaced by what it points at, all the way down."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return deref(document, target)
        return {key: deref(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [deref(document, value) for value in node]
    return node


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each operation, dereferenced, with its path item's parameters merged into its own."""
    found = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = deref(document, item[method])
                shared = deref(document, item.get("parameters", []))
                operation["parameters"] = shared + operation.get("parameters", [])
                found[(method, path)] = operation
    return found


def parameters(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The operation's parameters by (name, location); header names are case-insensitive."""
    return {
        (p["name"].lower() if p["in"] == "header" else p["name"], p["in"]): p
        for p in operation["parameters"]
    }
