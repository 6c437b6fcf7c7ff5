#!/usr/bin/env python3
"""Build the demo database: a small shop in SQLite (or DuckDB), with a few deliberate defects.

    python demo/make_demo_db.py --output .dqcheck/demo.db
    python demo/make_demo_db.py --engine duckdb --output .dqcheck/demo.duckdb

Only the standard library is used, so this runs before dqcheck is even installed. The data is
deterministic (fixed random seed); timestamps are relative to the current time in UTC, stored
as 'YYYY-MM-DD HH:MM:SS' text, so that the freshness checks in checks/ see the same ages
whenever the demo runs.

Tables: customers, orders, order_items. The deliberate defects, which the suites in checks/
are meant to catch:

- NULL_CUSTOMER_ORDERS orders have no customer_id;
- ORPHAN_ORDERS orders point to a customer that does not exist;
- BAD_STATUSES orders carry a status outside the accepted list;
- DUPLICATE_EMAILS customers signed up again with an email that is already taken;
- the newest order was updated NEWEST_UPDATE_AGE ago (fresh enough, but worth a warning).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261130
CUSTOMERS = 400
ORDERS = 1500

NULL_CUSTOMER_ORDERS = 4
ORPHAN_ORDERS = 2
BAD_STATUSES = ("refunded?", "refunded?", "unknown")
DUPLICATE_EMAILS = 3
NULL_COUNTRIES = 8
NEWEST_UPDATE_AGE = timedelta(hours=3)

ACCEPTED_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
COUNTRIES = ("DE", "FR", "GB", "US", "NL", "ES", "IT", "SE", "PL", "AT")
COUNTRY_WEIGHTS = (25, 15, 15, 15, 8, 7, 6, 4, 3, 2)
CURRENCY = {"GB": "GBP", "US": "USD"}  # everyone else pays in EUR
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Katja", "Luca", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tara", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Martin", "Smith", "Jansen", "Garcia", "Rossi", "Berg", "Nowak", "Huber",
    "Dubois", "Brown", "Moreau", "Visser", "Lopez", "Bianchi", "Lind", "Keller", "Fischer",
)  # fmt: skip
# sku -> unit price in cents
CATALOG = {
    "MUG-01": 1290,
    "MUG-02": 1490,
    "TEE-S": 2490,
    "TEE-M": 2490,
    "TEE-L": 2690,
    "HOODIE": 5990,
    "CAP": 1990,
    "POSTER": 990,
    "STICKERS": 490,
    "BOTTLE": 2290,
    "NOTEBOOK": 1190,
    "BACKPACK": 7990,
}

SCHEMA = """
CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    email       VARCHAR(200) NOT NULL,
    name        VARCHAR(100) NOT NULL,
    country     CHAR(2),
    created_at  TIMESTAMP NOT NULL
);
-- No FOREIGN KEY on customer_id: the demo needs orphan orders.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER,
    status       VARCHAR(20) NOT NULL,
    amount       NUMERIC(10, 2) NOT NULL,
    currency     CHAR(3) NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE TABLE order_items (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL,
    sku         VARCHAR(20) NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_price  NUMERIC(10, 2) NOT NULL
);
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE INDEX order_items_order_id ON order_items (order_id);
"""

Customer = tuple[int, str, str, str | None, str]
Order = tuple[int, int | None, str, float, str, str, str]
OrderItem = tuple[int, int, str, int, float]


@dataclass(frozen=True)
class DemoData:
    """The rows of the three tables, ready to insert."""

    customers: list[Customer]
    orders: list[Order]
    order_items: list[OrderItem]


def ts(moment: datetime) -> str:
    """A UTC moment as the 'YYYY-MM-DD HH:MM:SS' text SQLite's date functions read."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def generate(now: datetime, seed: int = SEED) -> DemoData:
    """The demo rows for a database built at ``now`` (UTC); the same seed gives the same data."""
    rng = random.Random(seed)
    now = now.astimezone(timezone.utc).replace(microsecond=0)

    # Customers signed up over the last year, ids in sign-up order; the newest a few hours ago.
    signups = sorted(
        now - timedelta(seconds=rng.randint(6 * 3600, 365 * 86400)) for _ in range(CUSTOMERS)
    )
    signups[-1] = now - timedelta(hours=5)
    no_country = set(rng.sample(range(1, CUSTOMERS + 1), NULL_COUNTRIES))
    customers: list[Customer] = []
    for cid, signed_up in enumerate(signups, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}{cid}@example.com".lower()
        country = None if cid in no_country else rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        customers.append((cid, email, f"{first} {last}", country, ts(signed_up)))

    # Defect: later customers who signed up again with an earlier customer's email.
    half = CUSTOMERS // 2
    originals = rng.sample(range(half), DUPLICATE_EMAILS)
    copies = rng.sample(range(half, CUSTOMERS), DUPLICATE_EMAILS)
    for original, copy in zip(originals, copies, strict=True):
        cid, _, name, country, signup_ts = customers[copy]
        customers[copy] = (cid, customers[original][1], name, country, signup_ts)

    # Orders over the last 180 days, none updated later than NEWEST_UPDATE_AGE ago.
    latest_update = now - NEWEST_UPDATE_AGE
    placed = sorted(
        latest_update - timedelta(seconds=rng.randint(600, 180 * 86400)) for _ in range(ORDERS)
    )
    orders: list[Order] = []
    items: list[OrderItem] = []
    for oid, created in enumerate(placed, start=1):
        # a customer who had signed up by then
        created_text = ts(created)
        customer = rng.choice([c for c in customers if c[4] <= created_text] or customers[:1])
        age = now - created
        if age < timedelta(days=2):
            status = rng.choices(("placed", "paid", "shipped"), (2, 5, 3))[0]
        else:
            status = rng.choices(("delivered", "cancelled", "returned"), (90, 6, 4))[0]
        updated = min(created + timedelta(minutes=rng.randint(1, 4 * 24 * 60)), latest_update)
        cents = 0
        # One line per product: (order_id, sku) is unique.
        for sku in rng.sample(list(CATALOG), rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]):
            quantity = rng.choices((1, 2, 3), (70, 20, 10))[0]
            cents += quantity * CATALOG[sku]
            items.append((len(items) + 1, oid, sku, quantity, CATALOG[sku] / 100))
        currency = CURRENCY.get(customer[3] or "", "EUR")
        orders.append((oid, customer[0], status, cents / 100, currency, created_text, ts(updated)))

    # The newest order was touched exactly NEWEST_UPDATE_AGE ago: freshness warns, not fails.
    newest = orders[-1]
    orders[-1] = (*newest[:6], ts(latest_update))

    # Defects in orders, on distinct orders other than the newest one.
    picks = rng.sample(range(ORDERS - 1), NULL_CUSTOMER_ORDERS + ORPHAN_ORDERS + len(BAD_STATUSES))
    for i in picks[:NULL_CUSTOMER_ORDERS]:
        orders[i] = (orders[i][0], None, *orders[i][2:])
    for n, i in enumerate(picks[NULL_CUSTOMER_ORDERS : NULL_CUSTOMER_ORDERS + ORPHAN_ORDERS]):
        orders[i] = (orders[i][0], CUSTOMERS + 1000 + n, *orders[i][2:])
    for status, i in zip(BAD_STATUSES, picks[NULL_CUSTOMER_ORDERS + ORPHAN_ORDERS :], strict=True):
        orders[i] = (*orders[i][:2], status, *orders[i][3:])

    return DemoData(customers, orders, items)


def build(output: Path, now: datetime | None = None, seed: int = SEED) -> DemoData:
    """Write the demo database to ``output`` (replacing it) and return its rows."""
    data = generate(now or datetime.now(timezone.utc), seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = sqlite3.connect(partial)
    try:
        conn.executescript(SCHEMA)
        with conn:
            conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?)", data.customers)
            conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", data.orders)
            conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", data.order_items)
    finally:
        conn.close()
    os.replace(partial, output)
    return data


def build_duckdb(output: Path, now: datetime | None = None, seed: int = SEED) -> DemoData:
    """The same rows in a DuckDB file (needs ``pip install 'dqcheck[duckdb]'``); timestamps
    are UTC ``TIMESTAMP WITH TIME ZONE`` values, so ages do not depend on the local zone."""
    import duckdb

    data = generate(now or datetime.now(timezone.utc), seed)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = duckdb.connect(str(partial))
    try:
        conn.execute("SET TimeZone = 'UTC'")
        for statement in SCHEMA.replace("TIMESTAMP", "TIMESTAMP WITH TIME ZONE").split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
            [(*c[:4], c[4] + "+00") for c in data.customers],
        )
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*o[:5], o[5] + "+00", o[6] + "+00") for o in data.orders],
        )
        conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", data.order_items)
    finally:
        conn.close()
    os.replace(partial, output)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(".dqcheck/demo.db"),
        help="SQLite file to write, replaced if it exists (default: .dqcheck/demo.db)",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "duckdb"),
        default="sqlite",
        help="the database file to write (default: %(default)s; duckdb needs dqcheck[duckdb])",
    )
    args = parser.parse_args(argv)
    data = (build_duckdb if args.engine == "duckdb" else build)(args.output, seed=args.seed)
    print(
        f"wrote {args.output}: {len(data.customers)} customers, {len(data.orders)} orders, "
        f"{len(data.order_items)} order items"
    )
    print(
        f"deliberate defects: {NULL_CUSTOMER_ORDERS} orders without a customer, "
        f"{ORPHAN_ORDERS} orders of unknown customers, {len(BAD_STATUSES)} orders with an "
        f"unexpected status, {DUPLICATE_EMAILS} duplicate customer emails; "
        f"newest order updated {NEWEST_UPDATE_AGE.seconds // 3600}h ago"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
