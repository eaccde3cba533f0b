"""The admin pages. Each reads what it shows; every write goes through the JSON API."""

from flask import abort, redirect, render_template, request, url_for

from .. import audit
from ..skus import SKU_NAMES
from . import bp
from .queries import (
    SEARCH_LIMIT,
    customer_history,
    license_with_customer,
    search_customers,
)

MAX_QUERY = 320
AUDIT_LIMIT = 200
# What the form may report after issuing, by the API's warning codes.
WARNINGS = {
    "repeat_trial": "This customer already had a trial; this one was issued as confirmed.",
    "customer_details_ignored": "The customer exists: their stored organization and contact"
                                " name were kept.",
}


@bp.get("/")
@bp.get("/admin")
@bp.get("/admin/")
def home():
    return redirect(url_for("admin.new_license"))


@bp.get("/admin/licenses/new")
def new_license():
    email = request.args.get("email", "")[:MAX_QUERY]
    return render_template("license_new.html", email=email, skus=SKU_NAMES)


@bp.get("/admin/licenses/<license_id>")
def show_license(license_id):
    license_ = license_with_customer(license_id)
    if license_ is None:
        abort(404)
    codes = request.args.get("warnings", "").split(",")
    return render_template(
        "license.html", license=license_, customer=license_.customer,
        sku_name=SKU_NAMES[license_.sku], issued=request.args.get("issued") == "1",
        warnings=[WARNINGS[code] for code in codes if code in WARNINGS],
    )


@bp.get("/admin/customers")
def customers():
    query = request.args.get("q", "").strip()
    too_long = len(query) > MAX_QUERY
    rows, more = search_customers(query) if query and not too_long else ([], False)
    return render_template("customers.html", query=query[:MAX_QUERY], rows=rows, more=more,
                           too_long=too_long, limit=SEARCH_LIMIT)


@bp.get("/admin/customers/<customer_id>")
def show_customer(customer_id):
    found = customer_history(customer_id)
    if found is None:
        abort(404)
    customer, licenses = found
    return render_template("customer.html", customer=customer, licenses=licenses)


@bp.get("/admin/audit")
def audit_page():
    return render_template("audit.html", entries=audit.trail(AUDIT_LIMIT), limit=AUDIT_LIMIT)
