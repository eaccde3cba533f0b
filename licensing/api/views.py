"""Routes of /api/v1: each parses, resolves or reads, and responds."""

import json
import re
from urllib.parse import unquote_to_bytes

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from ..auth import authenticate_api
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..issuing import issue
from ..models import Customer, License
from ..openapi import build_spec
from ..schemas import (
    ID_PATTERN,
    IDEMPOTENCY_KEY_PATTERN,
    CustomerListSchema,
    CustomerQuerySchema,
    CustomerWithLicensesSchema,
    LicenseRequestSchema,
    LicenseSchema,
    license_view,
)
from . import bp

PUBLIC_ENDPOINTS = frozenset({"api.health", "api.openapi"})
# Built once: a schema's construction and a statement's cache key cost more than their use.
LICENSE_REQUEST = LicenseRequestSchema()
CUSTOMER_QUERY = CustomerQuerySchema()
CUSTOMER_LIST = CustomerListSchema()
CUSTOMER_WITH_LICENSES = CustomerWithLicensesSchema()
LICENSE = LicenseSchema()
_ID = re.compile(ID_PATTERN)
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate_api()


@bp.before_app_request
def _authenticate_unrouted():
    """An unknown address or method under /api/v1 is a 401 too until credentials are valid:
    without them, 404s and 405s would map the API for anyone."""
    path = request.path
    if request.endpoint is None and (path == bp.url_prefix or path.startswith(bp.url_prefix + "/")):
        authenticate_api()


@bp.before_request
def _check_query_string():
    """Werkzeug turns invalid UTF-8 in a query into U+FFFD silently; refuse it instead."""
    try:
        unquote_to_bytes(request.query_string).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("The query string is not valid UTF-8 once percent-decoded.",
                               {"_query": ["Not valid UTF-8."]}) from None


def _json_body():
    """The body as JSON text: UTF-8, parsable, and free of lone surrogates such as \\ud800."""
    if not request.is_json:
        raise UnsupportedMediaType()
    data = request.get_data(cache=True)
    if request.content_length is None and len(data) >= current_app.config["MAX_CONTENT_LENGTH"]:
        # A chunked body is read up to the limit and silently cut there (werkzeug's
        # LimitedStream): one that fills the limit is taken as over it.
        raise RequestEntityTooLarge()
    try:
        body = json.loads(data.decode("utf-8"))
        # A lone surrogate escape parses, but is no character: it could not be stored or hashed.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise ValidationFailed("The request body is nested too deeply.",
                               {"_body": ["Nested too deeply."]}) from None
    except ValueError:  # also UnicodeError and JSONDecodeError
        raise ValidationFailed("The request body is not valid JSON.",
                               {"_body": ["Not valid JSON."]}) from None
    return body


def _idempotency_key():
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationFailed.for_fields({"Idempotency-Key": [
            "Must be 1 to 255 printable ASCII characters, with no space at either end."
        ]})
    return key


@bp.post("/license")
def create_license():
    body = _json_body()
    key = _idempotency_key()
    data = LICENSE_REQUEST.load(body)
    credential = g.credential
    answer = issue(data, credential.name, credential.key, key, body)
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers["Location"] = url_for("api.get_license", license_id=answer.body["id"])
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _with_licenses(condition):
    """Customers matching condition with their licenses, newest first, in one statement.

    The license files are left out: a listing never shows them, and they are most of a row.
    """
    return (
        select(Customer)
        .outerjoin(License, License.customer_id == Customer.id)
        .options(contains_eager(Customer.licenses).defer(License.file, raiseload=True))
        .where(condition)
        .order_by(License.issued_at.desc(), License.id.desc())
    )


CUSTOMERS_BY_EMAIL = _with_licenses(Customer.email_normalized == bindparam("key"))
CUSTOMERS_BY_ID = _with_licenses(Customer.id == bindparam("key"))


def _customers_with_licenses(statement, key):
    return list(db.session.scalars(statement, {"key": key}).unique())


@bp.get("/customers")
def find_customers():
    query = CUSTOMER_QUERY.load(request.args)
    customers = _customers_with_licenses(CUSTOMERS_BY_EMAIL, query["email"].normalized)
    return CUSTOMER_LIST.dump({"customers": customers})


@bp.get("/customers/<customer_id>")
def get_customer(customer_id):
    found = _ID.fullmatch(customer_id)
    customers = found and _customers_with_licenses(CUSTOMERS_BY_ID, customer_id)
    if not customers:
        raise NotFound("No customer has this id.")
    return CUSTOMER_WITH_LICENSES.dump(customers[0])


def _license_or_404(license_id):
    license_ = None
    if _ID.fullmatch(license_id):
        license_ = db.session.scalar(
            select(License).join(License.customer).options(contains_eager(License.customer))
            .where(License.id == license_id)
        )
    if license_ is None:
        raise NotFound("No license has this id.")
    return license_


@bp.get("/licenses/<license_id>")
def get_license(license_id):
    return LICENSE.dump(license_view(_license_or_404(license_id)))


@bp.get("/licenses/<license_id>/file")
def get_license_file(license_id):
    license_ = _license_or_404(license_id)
    return Response(
        license_.file, mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{license_.id}.mattermost-license"'},
    )


@bp.get("/signing-key.pem")
def signing_key():
    pem = current_app.extensions["keys"].public_pem()
    return Response(pem, mimetype="application/x-pem-file")


@bp.get("/health")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
