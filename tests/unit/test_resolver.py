"""The resolver, called without HTTP: every branch of the contract's resolution order."""

import pytest
from sqlalchemy import func, select

from licensing.errors import EmailMismatch, ValidationFailed
from licensing.issuing import issue_license
from licensing.models import Customer, License
from licensing.resolver import resolve_customer
from licensing.schemas import LicenseRequestSchema

BASE = {"sku": "E20", "users": 10, "expiresAt": "2030-01-01"}


def load(**fields):
    return LicenseRequestSchema().load({**BASE, **fields})


def add_customer(db, email="ops@acme.example", organization="Acme", contact="Ann Ops"):
    data = load(email=email, organization=organization, contactName=contact)
    customer, resolution, _ = resolve_customer(data)
    db.session.commit()
    assert resolution == "created"
    return customer


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_new_email_creates_customer_with_email_as_entered(db):
    data = load(email="  Ops@ACME.example ", organization=" Acme ", contactName="Ann Ops")
    customer, resolution, warnings = resolve_customer(data)
    db.session.commit()
    assert (resolution, warnings) == ("created", [])
    assert customer.email == "Ops@ACME.example"
    assert customer.email_normalized == "ops@acme.example"
    assert customer.organization == "Acme"
    assert count(db, Customer) == 1


def test_new_email_without_details_is_422_listing_what_is_missing(db):
    with pytest.raises(ValidationFailed) as caught:
        resolve_customer(load(email="new@acme.example"))
    assert set(caught.value.fields) == {"organization", "contactName"}
    with pytest.raises(ValidationFailed) as caught:
        resolve_customer(load(email="new@acme.example", organization="Acme"))
    assert set(caught.value.fields) == {"contactName"}
    assert count(db, Customer) == 0


def test_matching_email_binds_to_existing_customer(db):
    existing = add_customer(db)
    customer, resolution, warnings = resolve_customer(load(email="OPS@acme.example"))
    assert (customer.id, resolution, warnings) == (existing.id, "email", [])
    assert count(db, Customer) == 1


def test_existing_customer_keeps_stored_details_and_warns(db):
    existing = add_customer(db)
    customer, _, warnings = resolve_customer(
        load(email="ops@acme.example", organization="Acme Corp", contactName="Ann Ops"))
    assert customer.organization == "Acme" and customer.contact_name == "Ann Ops"
    assert [(w["code"], w["fields_"]) for w in warnings] == [
        ("customer_details_ignored", ["organization"])]
    db.session.commit()
    assert db.session.get(Customer, existing.id).organization == "Acme"


def test_customer_id_binds_even_without_email(db):
    existing = add_customer(db)
    customer, resolution, _ = resolve_customer(load(customerId=existing.id))
    assert (customer.id, resolution) == (existing.id, "customerId")


def test_customer_id_with_its_own_email_in_another_case_binds(db):
    existing = add_customer(db)
    customer, resolution, _ = resolve_customer(
        load(customerId=existing.id, email="Ops@Acme.Example"))
    assert (customer.id, resolution) == (existing.id, "customerId")


def test_customer_id_with_a_different_email_is_email_mismatch(db):
    existing = add_customer(db)
    add_customer(db, email="other@acme.example")
    with pytest.raises(EmailMismatch):
        resolve_customer(load(customerId=existing.id, email="other@acme.example"))


def test_unknown_customer_id_is_422_on_customer_id(db):
    add_customer(db)
    with pytest.raises(ValidationFailed) as caught:
        resolve_customer(load(customerId="y" * 26, email="ops@acme.example"))
    assert list(caught.value.fields) == ["customerId"]


def test_null_customer_id_is_the_same_as_absent(db):
    existing = add_customer(db)
    customer, resolution, _ = resolve_customer(load(customerId=None, email="ops@acme.example"))
    assert (customer.id, resolution) == (existing.id, "email")


def test_repeat_trial_is_issued_with_the_earlier_trial_ids(db):
    add_customer(db)
    first, _, _ = issue_license(load(email="ops@acme.example", isTrial=True), "tests")
    db.session.commit()
    issue_license(load(email="ops@acme.example"), "tests")  # not a trial: not listed
    db.session.commit()
    second, _, warnings = issue_license(load(email="ops@acme.example", isTrial=True), "tests")
    assert warnings == [{
        "code": "repeat_trial", "message": warnings[0]["message"],
        "previous_trial_ids": [first.id],
    }]
    db.session.commit()
    assert count(db, License) == 3


def test_first_trial_of_existing_customer_has_no_warning(db):
    add_customer(db)
    _, _, warnings = issue_license(load(email="ops@acme.example", isTrial=True), "tests")
    assert warnings == []


def test_customer_and_license_are_one_transaction(db):
    license_, resolution, _ = issue_license(
        load(email="new@acme.example", organization="New", contactName="Nia"), "tests")
    assert resolution == "created" and license_.customer.email == "new@acme.example"
    db.session.rollback()
    assert (count(db, Customer), count(db, License)) == (0, 0)
