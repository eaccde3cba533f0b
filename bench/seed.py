"""Seeding: customers with 0-3 licenses each, through the models' tables in large batches.

One executemany of SQLAlchemy Core's insert(Customer) / insert(License) per batch. What makes it
fast: emails are generated already normalized (bench.data), ids come from one random block per
batch, licenses share a few pre-signed files, and each distinct timestamp is converted by its
column's own type once rather than once per row. On SQLite the seeding connection also turns
the journal off while it writes (the server later runs in WAL mode as usual).
"""

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, bindparam, create_engine, event, insert
from sqlalchemy.types import TypeDecorator

from licensing.ids import new_id
from licensing.issuing import license_payload
from licensing.models import Customer, License
from licensing.signing import sign

from . import data
from .progress import Progress

BATCH = 20_000
DAYS = 3 * 365
TERM_DAYS, TRIAL_DAYS = 365, 30
USERS = (10, 25, 50, 100, 250, 500, 1000)
# Each random byte onto one of the 32 symbols licensing.ids.new_id uses (256 = 8 x 32: uniform).
_ID_SYMBOLS = bytes(b"ybndrfg8ejkmcpqxot1uwisza345h769"[byte % 32] for byte in range(256))
SQLITE_BULK_PRAGMAS = ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1048576",
                       "temp_store = MEMORY")


def random_ids(n):
    """n ids shaped like licensing.ids.new_id (26 characters of its alphabet), in one call."""
    text = os.urandom(26 * n).translate(_ID_SYMBOLS).decode("ascii")
    return [text[k:k + 26] for k in range(0, 26 * n, 26)]


class Converted(TypeDecorator):
    """A timestamp already converted by its column's own type: bound as it is."""

    impl = DateTime
    cache_ok = True

    def bind_processor(self, dialect):
        return None


def converted(column, dialect, values):
    """values as the column's type hands them to the driver (UTCDateTime, then the dialect)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return [process(value) for value in values] if process else list(values)


@dataclass
class Seeded:
    customers: int
    licenses: int
    seconds: float


class Seeder:
    """Writes customers start..stop of bench.data to the database at url."""

    def __init__(self, url, private_key):
        self.engine = create_engine(url)
        self.sqlite = self.engine.dialect.name == "sqlite"
        if self.sqlite:
            event.listen(self.engine, "connect", _bulk_pragmas)
        self.files = presigned_files(private_key)
        dialect = self.engine.dialect
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        days = [today - timedelta(days=d) for d in range(DAYS)]
        licenses = License.__table__.c
        self.created = converted(Customer.__table__.c.created_at, dialect, days)
        self.starts = converted(licenses.starts_at, dialect, days)
        self.ends = {
            trial: converted(licenses.expires_at, dialect,
                             [day + timedelta(days=TRIAL_DAYS if trial else TERM_DAYS)
                              for day in days])
            for trial in (False, True)
        }
        self.insert_customers = insert(Customer).values(
            created_at=bindparam("created_at", type_=Converted()))
        self.insert_licenses = insert(License).values(**{
            name: bindparam(name, type_=Converted())
            for name in ("issued_at", "starts_at", "expires_at")
        })

    def seed(self, start, stop, label="seeding"):
        """Insert customers start..stop and their licenses, with a progress bar."""
        progress = Progress(stop - start, label, "customers")
        began, licenses = time.perf_counter(), 0
        with self.engine.connect() as conn:
            for low in range(start, stop, BATCH):
                high = min(low + BATCH, stop)
                customers, their_licenses = self.rows(low, high)
                conn.execute(self.insert_customers, customers)
                if their_licenses:
                    conn.execute(self.insert_licenses, their_licenses)
                conn.commit()
                licenses += len(their_licenses)
                progress.update(high - start)
        seconds = time.perf_counter() - began
        progress.close(stop - start)
        self.release()
        return Seeded(stop - start, licenses, seconds)

    def rows(self, low, high):
        """The parameter rows of customers low..high and of their licenses."""
        counts = [data.license_count(i) for i in range(low, high)]
        customer_ids = random_ids(high - low)
        license_ids = iter(random_ids(sum(counts)))
        customers, licenses = [], []
        for k, i in enumerate(range(low, high)):
            email, normalized, organization, contact = data.customer(i)
            customer_id = customer_ids[k]
            h = data.mix(i)
            since = h % DAYS
            customers.append({
                "id": customer_id, "email": email, "email_normalized": normalized,
                "organization": organization, "contact_name": contact,
                "created_at": self.created[since],
            })
            sku = "E20" if h & 16 else "E10"
            users = USERS[(h >> 5) % len(USERS)]
            for n in range(counts[k]):
                day = (since - n * 11) % DAYS  # each renewal later than the one before
                trial = data.mix(i + n) & 3 == 0
                licenses.append({
                    "id": next(license_ids), "customer_id": customer_id, "sku": sku,
                    "users": users, "is_trial": trial, "issued_at": self.starts[day],
                    "starts_at": self.starts[day], "expires_at": self.ends[trial][day],
                    "issued_by": "bench-seed", "issued_from": "", "file": self.files[sku, trial],
                })
        return customers, licenses

    def release(self):
        """Close the seeding connections; on SQLite, put the database back in WAL mode."""
        if self.sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode = WAL")
        self.engine.dispose()


def _bulk_pragmas(dbapi_connection, record):
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_BULK_PRAGMAS:
        cursor.execute("PRAGMA " + pragma)
    cursor.close()


def sample_payload(sku="E20", trial=False):
    """The payload of a license like those seeded, for a customer like those seeded."""
    now = datetime.now(UTC).replace(microsecond=0)
    email, _normalized, organization, contact = data.customer(1)
    customer = Customer(id=new_id(), email=email, contact_name=contact, organization=organization)
    license_ = License(
        id=new_id(), sku=sku, users=250, is_trial=trial, issued_at=now, starts_at=now,
        expires_at=now + timedelta(days=TRIAL_DAYS if trial else TERM_DAYS),
    )
    return license_payload(license_, customer)


def presigned_files(private_key):
    """One real signed license file per (sku, trial), shared by the seeded licenses."""
    return {
        (sku, trial): sign(sample_payload(sku, trial), private_key)
        for sku in ("E10", "E20") for trial in (False, True)
    }
