"""marshmallow schemas: the request, every response, errors. OpenAPI is generated from these."""

import re
from collections import namedtuple
from datetime import UTC, date, datetime, time, timedelta

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from .emails import InvalidEmail, normalize
from .ids import isoformat, truncate_ms, utcnow
from .skus import SKU_NAMES, SKUS

EmailAddress = namedtuple("EmailAddress", "display normalized")

MAX_USERS = 1_000_000
TRIAL_LENGTH = timedelta(days=30)
_USERS_RULE = f"Must be an integer between 1 and {MAX_USERS}."
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})\Z"
)
_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\Z")


class StrictInteger(fields.Integer):
    """A JSON integer: 10.0, "10" and true are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """A JSON boolean: "true", 1 and "yes" are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Text(fields.String):
    """A string trimmed of surrounding whitespace, 1 to 200 characters after trimming."""

    def __init__(self, max_length=200, **kwargs):
        self.max_length = max_length
        super().__init__(validate=validate.Length(1, max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Email(fields.String):
    """An address checked and normalized by the email rule."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 320:
            raise ValidationError("An email address has at most 320 characters.")
        try:
            return EmailAddress(*normalize(text))
        except InvalidEmail as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value.display if isinstance(value, EmailAddress) else value


class Moment(fields.Field):
    """An ISO 8601 date, or a datetime with an offset; a date is the start or end of its day UTC."""

    def __init__(self, end_of_day=False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError("Send an ISO 8601 date (2027-01-31) or datetime with an offset.")
        if _DATE.match(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise ValidationError("Not a real calendar date.") from None
            moment = time(23, 59, 59, 999000) if self.end_of_day else time(0)
            return datetime.combine(day, moment, tzinfo=UTC)
        if _NAIVE.match(value):
            raise ValidationError(
                "A datetime without an offset is ambiguous: add Z or an offset such as +01:00."
            )
        if not _DATETIME.match(value):
            raise ValidationError("Send an ISO 8601 date (2027-01-31) or datetime with an offset.")
        try:
            return truncate_ms(datetime.fromisoformat(value).astimezone(UTC))
        except (ValueError, OverflowError):
            raise ValidationError("Not a real date and time.") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


class UTCTime(fields.DateTime):
    """Dumps an aware datetime as ISO 8601 UTC with a Z suffix."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


class LicenseRequestSchema(Schema):
    """The body of POST /api/v1/license; unknown fields are refused by name."""

    email = Email(metadata={"description": "Required unless customerId is given."})
    contactName = Text(attribute="contact_name")
    organization = Text()
    sku = fields.String(required=True, validate=validate.OneOf(SKUS))
    users = StrictInteger(
        required=True, validate=validate.Range(1, MAX_USERS, error=_USERS_RULE),
        error_messages={"invalid": _USERS_RULE},
    )
    isTrial = StrictBoolean(attribute="is_trial", load_default=False)
    startsAt = Moment(attribute="starts_at")
    expiresAt = Moment(attribute="expires_at", end_of_day=True,
                       metadata={"description": "Required unless isTrial."})
    customerId = fields.String(attribute="customer_id", allow_none=True,
                               validate=validate.Length(1, 64))

    @validates_schema(pass_original=True)
    def _check_together(self, data, original_data, **kwargs):
        """Rules across fields, judged on what was sent (a field that failed is not missing)."""
        errors = {}
        if original_data.get("customerId") is None and "email" not in original_data:
            errors["email"] = ["Required unless customerId is given."]
        if original_data.get("isTrial") is not True and "expiresAt" not in original_data:
            errors["expiresAt"] = ["Required unless isTrial is true."]
        if data.get("expires_at") and data["expires_at"] <= data.get("starts_at", utcnow()):
            errors["expiresAt"] = ["Must be later than startsAt (default: now)."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _fill_defaults(self, data, **kwargs):
        data.setdefault("starts_at", utcnow())
        data.setdefault("expires_at", data["starts_at"] + TRIAL_LENGTH)
        return data


class LicenseSummarySchema(Schema):
    id = fields.String(required=True)
    sku = fields.String(required=True)
    users = fields.Integer(required=True)
    isTrial = fields.Boolean(attribute="is_trial", required=True)
    issuedAt = UTCTime(attribute="issued_at", required=True)
    startsAt = UTCTime(attribute="starts_at", required=True)
    expiresAt = UTCTime(attribute="expires_at", required=True)
    expired = fields.Function(lambda license_: license_.expired(), required=True,
                              metadata={"type": "boolean"})


class CustomerSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    contactName = fields.String(attribute="contact_name", required=True)
    organization = fields.String(required=True)
    createdAt = UTCTime(attribute="created_at", required=True)


class CustomerWithLicensesSchema(CustomerSchema):
    licenses = fields.List(fields.Nested(LicenseSummarySchema), required=True,
                           metadata={"description": "Newest first."})


class CustomerListSchema(Schema):
    customers = fields.List(fields.Nested(CustomerWithLicensesSchema), required=True)


class WarningSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(
        ["customer_details_ignored", "repeat_trial"]))
    message = fields.String(required=True)
    fields_ = fields.List(fields.String(), data_key="fields")
    previousTrialIds = fields.List(fields.String(), attribute="previous_trial_ids")


def license_view(license_):
    """A license's attributes as the response schemas name them."""
    return {
        "id": license_.id, "customer": license_.customer, "sku": license_.sku,
        "sku_name": SKU_NAMES[license_.sku], "users": license_.users,
        "is_trial": license_.is_trial, "issued_at": license_.issued_at,
        "starts_at": license_.starts_at, "expires_at": license_.expires_at,
        "issued_by": license_.issued_by, "file": license_.file,
    }


class LicenseSchema(Schema):
    id = fields.String(required=True)
    customer = fields.Nested(CustomerSchema, required=True)
    sku = fields.String(required=True)
    skuName = fields.String(attribute="sku_name", required=True)
    users = fields.Integer(required=True)
    isTrial = fields.Boolean(attribute="is_trial", required=True)
    issuedAt = UTCTime(attribute="issued_at", required=True)
    startsAt = UTCTime(attribute="starts_at", required=True)
    expiresAt = UTCTime(attribute="expires_at", required=True)
    issuedBy = fields.String(attribute="issued_by", required=True)
    license = fields.String(attribute="file", required=True,
                            metadata={"description": "The signed license file's text."})


class IssuedLicenseSchema(LicenseSchema):
    resolution = fields.String(required=True, validate=validate.OneOf(
        ["customerId", "email", "created"]))
    warnings = fields.List(fields.Nested(WarningSchema), required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          data_key="fields")


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class HealthSchema(Schema):
    status = fields.String(required=True)


class CustomerQuerySchema(Schema):
    """The lookup's query string; other parameters (cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE

    email = Email(required=True)
