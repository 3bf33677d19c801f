"""OpenAPI post-processing: the error answers every endpoint can give, declared once.

drf-spectacular documents what a view declares; the answers that come from the framework
around it (authentication, permissions, throttling, filters, unknown ids) are added here so
that the schema tells the truth about every operation.
"""

from typing import Any

ERROR_SCHEMA = "Error"
_ERROR_COMPONENT = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_COMMON = {
    "401": "Not authenticated: send a token or log in.",
    "403": "The caller's role does not allow this.",
    "429": "Too many requests: retry after the Retry-After header's seconds.",
}
_DETAIL = "An object with this id does not exist, or is outside the caller's scope."
_NO_NUL = "^[^\\x00]*$"  # forms refuse NUL characters in text
_BAD_QUERY = "A filter or query parameter is not valid: errors by parameter name."


def add_common_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK: add 401/403/429 to every operation, 404 to those
    with a path id, and 400 to reads that take query parameters."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA, _ERROR_COMPONENT)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in _COMMON.items():
                responses.setdefault(code, _error(text))
            if "{" in path:
                responses.setdefault("404", _error(_DETAIL))
            elif _has_parameter(operation, "cursor"):
                responses.setdefault("404", _error("The cursor is not valid: start again."))
            if "requestBody" in operation and path.endswith("/bulk/"):
                operation["requestBody"]["required"] = True  # an empty body is refused
            if method == "get" and _has_query_parameters(operation):
                responses.setdefault("400", _any_json(_BAD_QUERY))
                _allow_empty_filters(operation)
    return result


def _allow_empty_filters(operation: dict[str, Any]) -> None:
    """A typed filter given empty (``?period_start_before=``) means no filter, as django-filter
    reads it: say so in the parameter's schema."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        kind = schema.get("type")
        typed = kind not in (None, "string", "array") or {"format", "enum", "anyOf"} & set(schema)
        if parameter.get("in") != "query":
            continue
        if typed:
            parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
        elif kind == "string":
            schema.setdefault("pattern", _NO_NUL)


def _has_query_parameters(operation: dict[str, Any]) -> bool:
    return any(p.get("in") == "query" for p in operation.get("parameters", []))


def _has_parameter(operation: dict[str, Any], name: str) -> bool:
    return any(p.get("name") == name for p in operation.get("parameters", []))


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }


def _any_json(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {}}}}
