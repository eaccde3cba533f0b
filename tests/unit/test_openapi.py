"""The OpenAPI document says what the code checks: the same routes, fields and patterns."""

import re
import sys
import unicodedata

import pytest
from marshmallow import Schema, ValidationError

from licensing import schemas
from licensing.openapi import build_spec
from licensing.schemas import MOMENT_PATTERN, Moment, Text

SPEC = build_spec()
REQUEST = SPEC["components"]["schemas"]["LicenseRequest"]


class _TextOnly(Schema):
    value = Text()


class _MomentOnly(Schema):
    value = Moment()


def text_accepts(value):
    try:
        _TextOnly().load({"value": value})
    except ValidationError:
        return False
    return True


def test_every_api_route_is_documented_and_every_documented_operation_exists(app):
    routes = {
        (re.sub(r"<[^>]+>", "{id}", rule.rule.removeprefix("/api/v1")), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in SPEC["paths"].items() for method in ops}
    assert routes == documented


def test_the_request_refuses_unknown_fields_and_requires_sku_and_users():
    assert REQUEST["additionalProperties"] is False
    assert set(REQUEST["required"]) == {"sku", "users"}
    assert set(REQUEST["properties"]) == set(schemas.LicenseRequestSchema().fields)


def test_only_customer_id_is_nullable():
    nullable = {name for name, prop in REQUEST["properties"].items() if prop.get("nullable")}
    assert nullable == {"customerId"}


def test_control_class_is_exactly_unicode_cc():
    control = re.compile(f"[{schemas._CONTROL}]")
    for code in range(0x110000):
        char = chr(code)
        assert bool(control.fullmatch(char)) == (unicodedata.category(char) == "Cc"), hex(code)


@pytest.mark.skipif(sys.maxunicode < 0x10FFFF, reason="needs a wide Python build")
def test_space_class_is_exactly_what_strip_removes_once_controls_are_refused():
    space = re.compile(f"[{schemas._SPACE}]")
    for code in range(0x110000):
        char = chr(code)
        if unicodedata.category(char) != "Cc":
            assert bool(space.fullmatch(char)) == (char.strip() == ""), hex(code)


@pytest.mark.parametrize("value", [
    "a", "Acme", " Acme ", "\u3000Acme\u2009", "x" * 200, " " * 50 + "x" * 200 + " " * 50,
    "x" * 201, "", " ", "\u00a0\u2028", "Ac\x00me", "Acme\n", "\tAcme", "Ac\u200bme",
    "\u200b", "\ufeff", "Ac me", "Ω≈ç√", "🙂" * 200, "🙂" * 201, "a\u2028b",
])
def test_text_pattern_agrees_with_the_text_field(value):
    pattern = REQUEST["properties"]["organization"]["pattern"]
    assert bool(re.fullmatch(pattern, value)) == text_accepts(value)


@pytest.mark.parametrize("value, documented", [
    ("2030-01-31", True), ("2030-01-31T10:00Z", True), ("2030-01-31T10:00:59.123456+14:00", True),
    ("2030-01-31T10:00:00", False), ("2030-1-31", False), ("2030-01-31t10:00Z", False),
    ("1999-12-31", False), ("2030-13-01", False), ("2030-01-31T10:00:00.1234567Z", False),
    ("2030-02-30", True),  # the document says in words that it must be a real date
])
def test_moment_pattern_matches_what_the_field_accepts(value, documented):
    assert bool(re.fullmatch(MOMENT_PATTERN, value)) == documented
    try:
        _MomentOnly().load({"value": value})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (documented and value != "2030-02-30")


def test_path_ids_are_documented_with_the_pattern_the_views_check():
    for path, operations in SPEC["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["pattern"] == f"^{schemas.ID_PATTERN}$", path


def test_every_operation_documents_its_errors_as_the_error_shape():
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and status != "414":
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, status)
