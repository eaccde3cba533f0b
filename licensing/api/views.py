"""Routes of /api/v1: each parses, resolves or reads, and responds."""

import re

from flask import Response, current_app, g, jsonify, request, url_for
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import contains_eager

from ..auth import authenticate_api
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..issuing import issue
from ..models import Customer, License
from ..openapi import build_spec
from ..schemas import (
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
_ID = re.compile(r"[a-z0-9]{26}\Z")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}\Z")


@bp.before_request
def _authenticate():
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate_api()


def _json_body():
    if not request.is_json:
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType()
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed("The request body is not valid JSON.",
                               {"_body": ["Not valid JSON."]})
    return body


def _idempotency_key():
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed.for_fields(
            {"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters, no spaces."]}
        )
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
    customers = _ID.match(customer_id) and _customers_with_licenses(CUSTOMERS_BY_ID, customer_id)
    if not customers:
        raise NotFound("No customer has this id.")
    return CUSTOMER_WITH_LICENSES.dump(customers[0])


def _license_or_404(license_id):
    license_ = None
    if _ID.match(license_id):
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
