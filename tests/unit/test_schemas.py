"""The POST /api/v1/license body, field by field, as the contract's table states it."""

from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from licensing.schemas import LicenseRequestSchema

NEW = {"email": "ops@acme.example", "organization": "Acme", "contactName": "Sam Carter",
       "sku": "E20", "users": 10, "expiresAt": "2030-12-31"}
TRIAL = {"email": "ops@acme.example", "sku": "E10", "users": 5, "isTrial": True}
CUSTOMER_ID = "a" * 26


def load(**changes):
    body = {**NEW, **changes}
    return LicenseRequestSchema().load({k: v for k, v in body.items() if v is not ...})


def refused(**changes):
    with pytest.raises(ValidationError) as caught:
        load(**changes)
    return caught.value.messages


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# email

def test_email_is_normalized_and_kept_as_entered():
    email = load(email="  Ops@ACME.example ")["email"]
    assert (email.display, email.normalized) == ("Ops@ACME.example", "ops@acme.example")


@pytest.mark.parametrize("email", ["", "   ", "not-an-email", "ops@", "ops@@acme.example",
                                   "ops\x00@acme.example", "ops@acme.test", 10, ["a@b.example"]])
def test_email_that_breaks_the_email_rule_is_refused(email):
    assert "email" in refused(email=email)


def test_email_over_320_characters_is_refused_before_the_validator_runs():
    assert refused(email="a" * 310 + "@acme.example")["email"] == [
        "An email address has at most 320 characters."]


def test_email_is_required_unless_customer_id_is_given():
    assert refused(email=...)["email"] == ["Required unless customerId is given."]
    assert "email" not in load(email=..., customerId=CUSTOMER_ID)


def test_customer_id_null_is_the_same_as_absent():
    assert load(customerId=None)["customer_id"] is None
    assert refused(email=..., customerId=None)["email"] == ["Required unless customerId is given."]


# contactName and organization

@pytest.mark.parametrize("field", ["organization", "contactName"])
def test_text_is_trimmed(field):
    attr = {"organization": "organization", "contactName": "contact_name"}[field]
    assert load(**{field: "  Acme Corp\u00a0"})[attr] == "Acme Corp"


@pytest.mark.parametrize("field", ["organization", "contactName"])
def test_text_of_200_characters_after_trimming_is_accepted(field):
    load(**{field: "   " + "x" * 200 + "   "})


@pytest.mark.parametrize("field", ["organization", "contactName"])
@pytest.mark.parametrize("value", ["", "   ", "\u3000", "x" * 201, 7, True, ["Acme"], {}])
def test_text_empty_after_trimming_too_long_or_not_a_string_is_refused(field, value):
    assert field in refused(**{field: value})


@pytest.mark.parametrize("field", ["organization", "contactName"])
@pytest.mark.parametrize("char", ["\x00", "\n", "\t", "\x1b", "\x7f", "\x85"])
def test_text_with_a_control_character_is_refused(field, char):
    assert refused(**{field: f"Acme{char}Corp"})[field] == [
        "Must not contain control characters such as NUL or newlines."]


# sku, users, isTrial

@pytest.mark.parametrize("sku", ["E10", "E20"])
def test_sku_e10_and_e20_are_accepted(sku):
    assert load(sku=sku)["sku"] == sku


@pytest.mark.parametrize("sku", ["e20", "E30", "", 20, ...])
def test_other_skus_or_none_are_refused(sku):
    assert "sku" in refused(sku=sku)


@pytest.mark.parametrize("users", [1, 1_000_000])
def test_users_bounds_are_accepted(users):
    assert load(users=users)["users"] == users


@pytest.mark.parametrize("users", [0, -1, 1_000_001, 10.0, "10", True, ...])
def test_users_out_of_range_not_a_json_integer_or_missing_is_refused(users):
    assert "users" in refused(users=users)


def test_is_trial_defaults_to_false():
    assert load()["is_trial"] is False


@pytest.mark.parametrize("value", ["true", 1, 0, "yes"])
def test_is_trial_must_be_a_json_boolean(value):
    assert "isTrial" in refused(isTrial=value)


# null and unknown fields

@pytest.mark.parametrize("field", ["email", "organization", "contactName", "sku", "users",
                                   "isTrial", "startsAt", "expiresAt"])
def test_null_is_refused_for_every_field_but_customer_id(field):
    assert field in refused(**{field: None})


def test_unknown_fields_are_refused_by_name():
    messages = refused(customer_id=CUSTOMER_ID, Users=3)
    assert messages["customer_id"] == ["Unknown field."] and messages["Users"] == ["Unknown field."]


def test_fields_are_validated_even_when_customer_id_is_given():
    assert "organization" in refused(customerId=CUSTOMER_ID, organization="")


@pytest.mark.parametrize("value", ["abc", "A" * 26, "a" * 27, "a" * 25 + "\x00", "a" * 26 + "\n",
                                   "", 12])
def test_customer_id_that_cannot_be_an_id_is_refused(value):
    assert "customerId" in refused(customerId=value)


# startsAt and expiresAt

def test_date_only_starts_at_is_the_start_of_that_day_utc():
    assert load(startsAt="2030-01-15")["starts_at"] == utc(2030, 1, 15)


def test_date_only_expires_at_is_the_last_millisecond_of_that_day_utc():
    assert load(expiresAt="2030-12-31")["expires_at"] == utc(2030, 12, 31, 23, 59, 59, 999000)


@pytest.mark.parametrize("text, moment", [
    ("2030-01-15T09:30:00+01:00", utc(2030, 1, 15, 8, 30)),
    ("2030-01-15T09:30-05:30", utc(2030, 1, 15, 15, 0)),
    ("2030-01-15T09:30:00.123456Z", utc(2030, 1, 15, 9, 30, 0, 123000)),
    ("2030-01-15T23:30:00-01:00", utc(2030, 1, 16, 0, 30)),
])
def test_datetimes_with_an_offset_become_utc_to_the_millisecond(text, moment):
    assert load(startsAt=text)["starts_at"] == moment


@pytest.mark.parametrize("text", ["2030-01-15T09:30:00", "2030-01-15 09:30"])
def test_datetime_without_an_offset_is_refused_as_ambiguous(text):
    (message,) = refused(startsAt=text)["startsAt"]
    assert "ambiguous" in message


@pytest.mark.parametrize("text", ["2030-02-30", "2031-02-29", "2030-13-01", "2030-01-15T24:00Z",
                                  "1999-12-31", "0001-01-01", "9999-12-31T23:00:00-05:00"])
def test_impossible_or_out_of_range_moments_are_refused(text):
    assert refused(startsAt=text)["startsAt"] == [
        "Not a real calendar date and time (years 2000 to 9999)."]


@pytest.mark.parametrize("text", ["tomorrow", "15/01/2030", "2030-1-5", "20300115", 1893456000,
                                  "2030-01-15T09:30:00+0100", "x" * 41])
def test_moments_in_other_shapes_are_refused(text):
    assert "startsAt" in refused(startsAt=text)


def test_starts_at_defaults_to_now():
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert before <= load()["starts_at"] <= datetime.now(UTC)


def test_expires_at_is_required_unless_trial():
    assert refused(expiresAt=...)["expiresAt"] == ["Required unless isTrial is true."]
    assert refused(expiresAt=..., isTrial=False)["expiresAt"] == [
        "Required unless isTrial is true."]


def test_trial_defaults_to_thirty_times_24_hours_after_starts_at():
    data = LicenseRequestSchema().load({**TRIAL, "startsAt": "2030-03-20T12:00:00+01:00"})
    assert data["expires_at"] - data["starts_at"] == timedelta(hours=30 * 24)
    assert data["expires_at"] == utc(2030, 4, 19, 11)


def test_trial_without_starts_at_runs_thirty_days_from_now():
    data = LicenseRequestSchema().load(TRIAL)
    assert data["expires_at"] - data["starts_at"] == timedelta(days=30)


def test_trial_may_set_its_own_expiry():
    data = LicenseRequestSchema().load({**TRIAL, "expiresAt": "2030-01-01"})
    assert data["expires_at"] == utc(2030, 1, 1, 23, 59, 59, 999000)


@pytest.mark.parametrize("starts, expires", [("2030-06-01", "2030-05-31"),
                                             ("2030-06-01T00:00:00Z", "2030-06-01T00:00:00Z"),
                                             ("2030-06-01T12:00:00Z", "2030-06-01T13:00:00+02:00")])
def test_expires_at_must_be_later_than_starts_at(starts, expires):
    assert refused(startsAt=starts, expiresAt=expires)["expiresAt"] == [
        "Must be later than startsAt (default: now)."]


def test_expires_at_in_the_past_is_refused_when_starts_at_defaults_to_now():
    assert refused(expiresAt="2020-01-01")["expiresAt"] == [
        "Must be later than startsAt (default: now)."]


def test_a_date_expiry_on_the_start_day_is_later_than_the_start():
    data = load(startsAt="2030-06-01", expiresAt="2030-06-01")
    assert data["expires_at"] - data["starts_at"] == timedelta(hours=24, milliseconds=-1)


def test_every_invalid_field_is_reported_at_once():
    messages = refused(users="10", sku="E99", organization="", startsAt="soon")
    assert {"users", "sku", "organization", "startsAt"} <= set(messages)
