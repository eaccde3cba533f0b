"""The OpenAPI 3 document, generated from the marshmallow schemas that validate and answer."""

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import schemas
from .issuing import IDEMPOTENCY_KEY_PATTERN

ERRORS = {
    "401": "No valid credentials.",
    "403": "Forbidden (a failed CSRF check among others).",
    "404": "Not found.",
    "405": "Method not allowed.",
    "409": "email_mismatch or idempotency_conflict.",
    "413": "Body larger than 64 KiB.",
    "415": "Body is not JSON.",
    "422": "Validation error; fields names each invalid field.",
    "429": "Rate limited.",
    "500": "Internal error.",
    "503": "The database is not answering.",
}
READ_ERRORS = ("401", "404", "405", "422", "500", "503")
ID_PARAM = {"name": "id", "in": "path", "required": True,
            "schema": {"type": "string", "pattern": "^[a-z0-9]{26}$"}}


def _responses(ok_status, ok, errors):
    responses = {ok_status: ok}
    for status in errors:
        responses[status] = {"description": ERRORS[status], "content": {
            "application/json": {"schema": "Error"}}}
    return responses


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


@cache
def build_spec():
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Licensing", version="1.0.0", openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Issues signed Mattermost licenses to existing or new customers."},
        servers=[{"url": "/api/v1"}],
    )
    plugin.map_to_openapi_type(schemas.Moment, "string", None)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"})
    # Leaves first: registering a schema also registers the schemas it nests.
    for name in ("Error", "Health", "Customer", "LicenseSummary", "CustomerWithLicenses",
                 "CustomerList", "Warning", "License", "IssuedLicense", "LicenseRequest"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))

    secured = [{"bearer": []}, {"session": []}]
    spec.path("/license", operations={"post": {
        "summary": "Issue a license to the customer named by customerId, else by email, else new",
        "security": secured,
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                   "pattern": f"^{IDEMPOTENCY_KEY_PATTERN}$"}}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": "LicenseRequest"}}},
        "responses": _responses("201", {
            **_json("IssuedLicense", "Issued (or the replay of an Idempotency-Key's answer)."),
            "headers": {"Location": {"schema": {"type": "string"}}},
        }, ("401", "403", "405", "409", "413", "415", "422", "500", "503")),
    }})
    spec.path("/customers", operations={"get": {
        "summary": "Find a customer by email (the email rule); zero or one result",
        "security": secured,
        "parameters": [{"name": "email", "in": "query", "required": True,
                        "schema": {"type": "string"}}],
        "responses": _responses("200", _json("CustomerList", "Matching customers."), READ_ERRORS),
    }})
    spec.path("/customers/{id}", operations={"get": {
        "summary": "A customer and its licenses, newest first", "security": secured,
        "parameters": [ID_PARAM],
        "responses": _responses("200", _json("CustomerWithLicenses", "The customer."),
                                READ_ERRORS),
    }})
    spec.path("/licenses/{id}", operations={"get": {
        "summary": "A license as issued", "security": secured, "parameters": [ID_PARAM],
        "responses": _responses("200", _json("License", "The license."), READ_ERRORS),
    }})
    spec.path("/licenses/{id}/file", operations={"get": {
        "summary": "The signed license file, as an attachment", "security": secured,
        "parameters": [ID_PARAM],
        "responses": _responses("200", {"description": "The file.", "content": {
            "application/octet-stream": {"schema": {"type": "string"}}}}, READ_ERRORS),
    }})
    spec.path("/signing-key.pem", operations={"get": {
        "summary": "The public key that verifies license files", "security": secured,
        "responses": _responses("200", {"description": "PEM public key.", "content": {
            "application/x-pem-file": {"schema": {"type": "string"}}}},
            ("401", "405", "500", "503")),
    }})
    spec.path("/health", operations={"get": {
        "summary": "200 when the database answers", "security": [],
        "responses": _responses("200", _json("Health", "Healthy."), ("405", "500", "503")),
    }})
    spec.path("/openapi.json", operations={"get": {
        "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document.", "content": {
            "application/json": {"schema": {"type": "object"}}}}},
    }})
    return spec.to_dict()
