"""The ``orders`` table most PostgreSQL tests read, and the suite that passes on it: plain
strings with no imports, so the Airflow tests (their own venv, without the dev extras) share
them with tests/peers.py."""

ORDERS = """
CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL, amount numeric(10, 2));
INSERT INTO orders VALUES (1, 'paid', 10), (2, 'paid', 20), (3, 'refunded', 30);
"""

#: has_rows 3 pass, total_amount 60 pass: exit 0.
PASSING = """\
suite: orders
checks:
  - {name: has_rows, type: row_count, table: orders}
  - {name: total_amount, type: threshold, sql: "SELECT sum(amount) FROM orders", max: 1000}
"""
