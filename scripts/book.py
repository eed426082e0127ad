"""A generated book of open invoices, for the benchmark and the concurrency check.

One real invoice, posted by Odoo, is the model of all the others: they are copied by SQL
(posting tens of thousands of invoices through the ORM would take an hour). Invoice i belongs
to customer i % N; its due date is today minus one of `offsets` (days late; negative: not yet
due), so that the customers are spread over the levels of the Standard policy.
"""

from datetime import timedelta

from odoo import Command
from odoo.tools import SQL

SPREAD = (-30, -3, 3, 7, 11, 60)


def _columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != ALL(%s)",
        [table, list(skip)],
    )
    return [row[0] for row in cr.fetchall()]


def generate_book(env, customers_count, invoices_count, today, offsets=SPREAD, prefix="Bench"):
    """Create the customers and their posted open invoices; returns the customers."""
    cr = env.cr
    partners = env["res.partner"].create(
        [
            {
                "name": f"{prefix} Customer {i:05d}",
                "email": f"{prefix.lower()}{i}@example.com",
                "phone": f"+3247{i:07d}",
                "street": f"Street {i}",
                "city": "Gent",
            }
            for i in range(customers_count)
        ]
    )
    model = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partners[0].id,
            "invoice_date": today - timedelta(days=200),
            "invoice_payment_term_id": False,
            "invoice_date_due": today,
            "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 100.0, "tax_ids": []})],
        }
    )
    model.action_post()
    env.flush_all()
    cr.execute(
        "CREATE TEMP TABLE book_plan AS SELECT i, (%s::int[])[1 + i %% %s] AS partner_id, "
        "%s::date - ((%s::int[])[1 + (i %% %s) %% %s] + (i / %s) %% 3) AS due "
        "FROM generate_series(0, %s - 1) AS i",
        [
            partners.ids,
            customers_count,
            today,
            list(offsets),
            customers_count,
            len(offsets),
            customers_count,
            invoices_count,
        ],
    )
    move_cols = _columns(
        cr,
        "account_move",
        {
            "id",
            "name",
            "partner_id",
            "commercial_partner_id",
            "invoice_date_due",
            "access_token",
            "sequence_number",
        },
    )
    cr.execute(
        SQL(
            "INSERT INTO account_move (name, partner_id, commercial_partner_id, invoice_date_due, sequence_number, %s) "
            "SELECT %s || lpad(p.i::text, 6, '0'), p.partner_id, p.partner_id, p.due, p.i, %s "
            "FROM book_plan p, account_move m WHERE m.id = %s",
            SQL(", ").join(SQL.identifier(c) for c in move_cols),
            f"{prefix.upper()}/",
            SQL(", ").join(SQL.identifier("m", c) for c in move_cols),
            model.id,
        )
    )
    line_cols = _columns(cr, "account_move_line", {"id", "move_id", "partner_id", "date_maturity"})
    cr.execute(
        SQL(
            "INSERT INTO account_move_line (move_id, partner_id, date_maturity, %s) "
            "SELECT nm.id, p.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN p.due END, %s "
            "FROM book_plan p JOIN account_move nm ON nm.name = %s || lpad(p.i::text, 6, '0') "
            "JOIN account_move_line l ON l.move_id = %s",
            SQL(", ").join(SQL.identifier(c) for c in line_cols),
            SQL(", ").join(SQL.identifier("l", c) for c in line_cols),
            f"{prefix.upper()}/",
            model.id,
        )
    )
    cr.execute("DROP TABLE book_plan; ANALYZE account_move; ANALYZE account_move_line")
    env.invalidate_all()
    return partners
