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

# The patterns below are both the validation and the OpenAPI document's description of it, so
# the document cannot drift from the code. They are written in the subset that Python's re and
# ECMA-262 (JSON Schema's regex dialect) read alike; the code uses them with fullmatch.
ID_PATTERN = r"[a-z0-9]{26}"
# 1-255 printable ASCII characters (0x20-0x7e), spaces only inside: HTTP drops them around a
# header value, so a key that began or ended with one could not arrive as it was sent.
IDEMPOTENCY_KEY_PATTERN = r"[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?"
# Control characters (Unicode Cc) are refused; what str.strip() then trims is exactly _SPACE.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_SPACE = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_YEAR = r"[2-9][0-9]{3}"
_DAY = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
MOMENT_PATTERN = f"{_DAY}(T{_CLOCK}{_OFFSET})?"
_DATE = re.compile(_DAY)
_NAIVE = re.compile(f"{_DAY}[T ]{_CLOCK}")
_MOMENT = re.compile(MOMENT_PATTERN)
# The shape without the ranges: what a person meant as a date, with an impossible value in it.
_LOOSE_MOMENT = re.compile(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?")
_MOMENT_SHAPE = "Send an ISO 8601 date (2027-01-31) or datetime with an offset."
_NOT_REAL = "Not a real calendar date and time (years 2000 to 9999)."
_CONTROL_CHAR = re.compile(f"[{_CONTROL}]")


def text_pattern(max_length):
    """Trimmed of _SPACE, 1 to max_length characters, no control characters."""
    edge, inner = f"[^{_SPACE}{_CONTROL}]", f"[^{_CONTROL}]"
    return f"^[{_SPACE}]*{edge}({inner}{{0,{max_length - 2}}}{edge})?[{_SPACE}]*$"


def _metadata(kwargs, **generated):
    """A field's OpenAPI metadata: what the field type states, then what the field adds."""
    given = kwargs.pop("metadata", {})
    description = " ".join(filter(None, (given.get("description"), generated.get("description"))))
    return {**generated, **given, **({"description": description} if description else {})}


class FullMatch(validate.Validator):
    """The whole value matches the pattern (re.match would let a trailing newline through)."""

    def __init__(self, pattern, error):
        self.regex = re.compile(pattern)
        self.error = error

    def __call__(self, value):
        if not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


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
    """A string trimmed of surrounding whitespace, 1 to 200 characters after trimming.

    Control characters (NUL, newlines, escapes) are refused: these are names shown on pages and
    written into license files, and PostgreSQL cannot store a NUL.
    """

    def __init__(self, max_length=200, **kwargs):
        self.max_length = max_length
        metadata = _metadata(
            kwargs, pattern=text_pattern(max_length),
            description=f"1 to {max_length} characters after trimming surrounding whitespace;"
                        " no control characters.",
        )
        super().__init__(validate=validate.Length(1, max_length), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL_CHAR.search(value):
            raise ValidationError("Must not contain control characters such as NUL or newlines.")
        return value.strip()


class Email(fields.String):
    """An address checked and normalized by the email rule."""

    def __init__(self, **kwargs):
        metadata = _metadata(
            kwargs, format="email", maxLength=254,
            description="Checked and compared by the email rule (email-validator, no DNS look-ups):"
                        " special-use domains (.arpa, .invalid, .local, .localhost, .onion, .test)"
                        " are refused.",
        )
        super().__init__(metadata=metadata, **kwargs)

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
        day = "the end of that day, 23:59:59.999Z" if end_of_day else "the start of that day UTC"
        metadata = _metadata(
            kwargs, pattern=f"^{MOMENT_PATTERN}$",
            description=f"A date (YYYY-MM-DD: {day}) or a datetime with Z or an offset, years"
                        " 2000 to 9999; it must be a real calendar date.",
        )
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise ValidationError(_MOMENT_SHAPE)
        if not _MOMENT.fullmatch(value):
            if _NAIVE.fullmatch(value):
                raise ValidationError(
                    "A datetime without an offset is ambiguous: add Z or an offset such as +01:00."
                )
            if _LOOSE_MOMENT.fullmatch(value):
                raise ValidationError(_NOT_REAL)
            raise ValidationError(_MOMENT_SHAPE)
        try:
            if _DATE.fullmatch(value):
                moment = time(23, 59, 59, 999000) if self.end_of_day else time(0)
                return datetime.combine(date.fromisoformat(value), moment, tzinfo=UTC)
            return truncate_ms(datetime.fromisoformat(value).astimezone(UTC))
        except (ValueError, OverflowError):  # 2027-02-30, or past 9999 once moved to UTC
            raise ValidationError(_NOT_REAL) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


class UTCTime(fields.DateTime):
    """Dumps an aware datetime as ISO 8601 UTC with a Z suffix."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value) if value is not None else None


class LicenseRequestSchema(Schema):
    """The body of POST /api/v1/license; unknown fields are refused by name."""

    # For the document: the rules across fields. JSON Schema can say the first two (email
    # unless customerId, expiresAt unless isTrial); the rest are stated in words. _check_together
    # and the resolver enforce them all. (Not a Meta.description: apispec would then drop
    # additionalProperties: false.)
    OPENAPI = {
        "description": "Also checked, beyond what JSON Schema can say: expiresAt is later than"
                       " startsAt (default: now); a customerId names an existing customer; a new"
                       " customer (an email no customer has) needs organization and contactName.",
        "allOf": [
            {"anyOf": [{"required": ["email"]}, {"required": ["customerId"], "properties": {
                "customerId": {"type": "string"}}}]},
            {"anyOf": [{"required": ["expiresAt"]}, {"required": ["isTrial"], "properties": {
                "isTrial": {"enum": [True]}}}]},
        ],
    }

    email = Email(metadata={"description": "Required unless customerId is given.",
                            "example": "ops@acme.example"})
    contactName = Text(attribute="contact_name", metadata={"example": "Sam Carter"})
    organization = Text(metadata={"example": "Acme Corp"})
    sku = fields.String(required=True, validate=validate.OneOf(SKUS))
    users = StrictInteger(
        required=True, validate=validate.Range(1, MAX_USERS, error=_USERS_RULE),
        error_messages={"invalid": _USERS_RULE},
    )
    isTrial = StrictBoolean(attribute="is_trial", load_default=False)
    startsAt = Moment(attribute="starts_at", metadata={"example": "2027-01-01"})
    expiresAt = Moment(attribute="expires_at", end_of_day=True,
                       metadata={"description": "Required unless isTrial.",
                                 "example": "2027-12-31"})
    customerId = fields.String(
        attribute="customer_id", allow_none=True,
        validate=FullMatch(ID_PATTERN, "Not a customer id: ids are 26 characters a-z and 0-9."),
        metadata={"pattern": f"^{ID_PATTERN}$"},
    )

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
