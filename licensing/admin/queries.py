"""What the admin pages read: customer search, a customer's history, a license."""

import re

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..emails import InvalidEmail, normalize
from ..extensions import db
from ..models import Customer, License
from ..schemas import ID_PATTERN

SEARCH_LIMIT = 50
_ID = re.compile(ID_PATTERN)


def _like_pattern(text):
    """A LIKE pattern that matches text literally anywhere: % and _ are not wildcards here."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_customers(query, limit=SEARCH_LIMIT):
    """Customers whose email is query by the email rule, or whose organization contains it.

    Returns ([(customer, license count)], more): at most limit rows, and whether there were more.
    """
    condition = Customer.organization.ilike(_like_pattern(query), escape="\\")
    try:
        condition = or_(condition, Customer.email_normalized == normalize(query)[1])
    except InvalidEmail:
        pass
    license_count = (select(func.count(License.id)).where(License.customer_id == Customer.id)
                     .scalar_subquery())
    rows = db.session.execute(
        select(Customer, license_count.label("licenses")).where(condition)
        .order_by(func.lower(Customer.organization), Customer.created_at, Customer.id)
        .limit(limit + 1)
    ).all()
    return [tuple(row) for row in rows[:limit]], len(rows) > limit


def customer_history(customer_id):
    """(customer, its licenses newest first), or None when no customer has this id."""
    customer = db.session.get(Customer, customer_id) if _ID.fullmatch(customer_id) else None
    if customer is None:
        return None
    licenses = db.session.scalars(
        select(License).where(License.customer_id == customer.id)
        .order_by(License.issued_at.desc(), License.id.desc())
    ).all()
    return customer, licenses


def license_with_customer(license_id):
    if not _ID.fullmatch(license_id):
        return None
    return db.session.scalar(
        select(License).join(License.customer).options(contains_eager(License.customer))
        .where(License.id == license_id)
    )
