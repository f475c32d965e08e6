"""The OpenAPI document describes exactly the API routes the app serves."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_lists_exactly_the_routes_of_the_url_map(app, client):
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == served


def test_openapi_request_schemas_are_valid_json_schemas(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_operation_with_a_body_references_a_component(client):
    document = client.get("/api/v1/openapi.json").get_json()
    names = set(document["components"]["schemas"])
    for item in document["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in names
