"""Which customer a license belongs to: by id, else by normalized email, else a new one."""

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from .database import violates
from .errors import EmailMismatch, ValidationFailed
from .extensions import db
from .models import Customer, License

CUSTOMER_BY_EMAIL = select(Customer).where(Customer.email_normalized == bindparam("normalized"))


def find_by_email(normalized):
    return db.session.scalar(CUSTOMER_BY_EMAIL, {"normalized": normalized})


def resolve_customer(data):
    """Return (customer, resolution, warnings) for a loaded license request.

    Only adds to the session; the caller commits, so the customer and its license are
    written in one transaction.
    """
    email = data.get("email")
    if data.get("customer_id") is not None:
        customer = db.session.get(Customer, data["customer_id"])
        if customer is None:
            raise ValidationFailed.for_fields({"customerId": ["No customer has this id."]})
        if email is not None and email.normalized != customer.email_normalized:
            raise EmailMismatch(
                "The email does not belong to the customer named by customerId: send the"
                " customer's own email, or leave email out."
            )
        resolution = "customerId"
    else:
        customer = find_by_email(email.normalized)
        resolution = "email"
        if customer is None:
            customer, created = _create_customer(data)
            if created:
                return customer, "created", []
    return customer, resolution, _warnings(customer, data)


def _create_customer(data):
    """Insert a new customer; when a concurrent request wins the race, bind to its row."""
    missing = {
        key: ["Required to create a new customer."]
        for key, attr in (("organization", "organization"), ("contactName", "contact_name"))
        if attr not in data
    }
    if missing:
        raise ValidationFailed(
            "No customer has this email yet: send organization and contactName to create one.",
            missing,
        )
    email = data["email"]
    customer = Customer(
        email=email.display, email_normalized=email.normalized,
        organization=data["organization"], contact_name=data["contact_name"],
    )
    try:
        with db.session.begin_nested():
            db.session.add(customer)
    except IntegrityError as exc:
        if not violates(exc, Customer.EMAIL_CONSTRAINT):
            raise
        winner = find_by_email(email.normalized)
        if winner is None:  # pragma: no cover - the winner cannot vanish inside our transaction
            raise
        return winner, False
    return customer, True


def _warnings(customer, data):
    warnings = []
    ignored = [
        key for key, attr in (("organization", "organization"), ("contactName", "contact_name"))
        if attr in data and data[attr] != getattr(customer, attr)
    ]
    if ignored:
        warnings.append({
            "code": "customer_details_ignored",
            "message": "The customer exists: its stored details were kept, not the request's.",
            "fields_": ignored,
        })
    if data.get("is_trial"):
        previous = db.session.scalars(
            select(License.id)
            .where(License.customer_id == customer.id, License.is_trial.is_(True))
            .order_by(License.issued_at.desc())
        ).all()
        if previous:
            warnings.append({
                "code": "repeat_trial",
                "message": "This customer already had a trial; another was issued.",
                "previous_trial_ids": list(previous),
            })
    return warnings
