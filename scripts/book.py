"""A generated book of open invoices, for the benchmark and the concurrency check.

One real invoice, posted by Odoo, is the model of all the others: they are copied by SQL
(posting tens of thousands of invoices through the ORM would take an hour). Invoice i belongs
to customer i % N; its due date is today minus one of `offsets` (days late; negative: not yet
due), so that the customers are spread over the levels of the Standard policy.
"""

from contextlib import contextmanager
from datetime import timedelta

from odoo import Command
from odoo.tools import SQL

SPREAD = (-30, -3, 3, 7, 11, 60)
# The columns the copies set themselves; the others are copied from the model invoice.
MOVE_SET = {
    "id",
    "name",
    "partner_id",
    "commercial_partner_id",
    "invoice_date_due",
    "access_token",
    "sequence_number",
}
LINE_SET = {"id", "move_id", "partner_id", "date_maturity"}
# The columns the partial payments of the mixed book set besides.
MOVE_PARTIAL = {"payment_state", "amount_residual", "amount_residual_signed"}
LINE_PARTIAL = {"amount_residual", "amount_residual_currency"}


def _columns(cr, table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != ALL(%s)",
        [table, list(skip)],
    )
    return [row[0] for row in cr.fetchall()]


# Customers created per call of create(): the cache of one batch is dropped before the next, so
# that 100,000 customers do not sit in memory at once.
PARTNER_BATCH = 5000


def _create_partners(env, count, values):
    """Create `count` customers, values(i) each, in batches; returns them in order."""
    ids = []
    for start in range(0, count, PARTNER_BATCH):
        batch = env["res.partner"].create(
            [values(i) for i in range(start, min(start + PARTNER_BATCH, count))]
        )
        ids += batch.ids
        env.flush_all()
        env.invalidate_all()
    return env["res.partner"].browse(ids)


@contextmanager
def _bulk_copy(cr):
    """Around the copies of rows whose foreign keys are known valid (the model documents'
    accounts, journal, currency..., the customers just created, the copies just inserted): for
    a superuser, the foreign-key triggers (a lookup and a row lock per key and row) are skipped;
    the indexes and the other constraints still apply."""
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    replica = cr.fetchone()[0]
    if replica:
        cr.execute("SET LOCAL session_replication_role = replica")
    yield
    if replica:
        cr.execute("SET LOCAL session_replication_role = origin")


def generate_book(env, customers_count, invoices_count, today, offsets=SPREAD, prefix="Bench"):
    """Create the customers and their posted open invoices; returns the customers.

    Each copy gets its id in the plan (move_id, from account_move's sequence in the order of i)
    and its lines join it by that integer. Never by its name: account_move.name has a trigram
    GIN index, which the planner may take for the equality on 'BENCH/...' names, and which then
    scans every copy for each one (the lines of the 50,000 documents of the mixed book took more
    than 7 minutes so)."""
    cr = env.cr
    partners = _create_partners(
        env,
        customers_count,
        lambda i: {
            "name": f"{prefix} Customer {i:05d}",
            "email": f"{prefix.lower()}{i}@example.com",
            "phone": f"+3247{i:07d}",
            "street": f"Street {i}",
            "city": "Gent",
        },
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
        "CREATE TEMP TABLE book_plan AS SELECT i, "
        "nextval(pg_get_serial_sequence('account_move', 'id'))::int AS move_id, "
        "(%s::int[])[1 + i %% %s] AS partner_id, "
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
    cr.execute("ANALYZE book_plan")
    move_cols = _columns(cr, "account_move", MOVE_SET)
    line_cols = _columns(cr, "account_move_line", LINE_SET)
    with _bulk_copy(cr):
        cr.execute(
            SQL(
                "INSERT INTO account_move (id, name, partner_id, commercial_partner_id, invoice_date_due, "
                "sequence_number, %s) "
                "SELECT p.move_id, %s || lpad(p.i::text, 6, '0'), p.partner_id, p.partner_id, p.due, p.i, %s "
                "FROM book_plan p, account_move m WHERE m.id = %s",
                SQL(", ").join(SQL.identifier(c) for c in move_cols),
                f"{prefix.upper()}/",
                SQL(", ").join(SQL.identifier("m", c) for c in move_cols),
                model.id,
            )
        )
        cr.execute(
            SQL(
                "INSERT INTO account_move_line (move_id, partner_id, date_maturity, %s) "
                "SELECT p.move_id, p.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN p.due END, %s "
                "FROM book_plan p JOIN account_move_line l ON l.move_id = %s",
                SQL(", ").join(SQL.identifier(c) for c in line_cols),
                SQL(", ").join(SQL.identifier("l", c) for c in line_cols),
                model.id,
            )
        )
    cr.execute("DROP TABLE book_plan; ANALYZE res_partner; ANALYZE account_move; ANALYZE account_move_line")
    env.invalidate_all()
    return partners


# The mixed book of the side-by-side benchmark (scripts/benchmark_compare.py).
LANGS = ("en_US", "nl_NL", "de_DE", "fr_FR")
# Days late of the due dates (negative: not due yet): over every level of a 3/7/11-day policy,
# before, between and far past them.
MIXED_OFFSETS = (-20, -2, 1, 3, 5, 7, 9, 11, 15, 30, 60, 120)


def _model_moves(env, partner, today, currencies):
    """One posted model document per (kind, currency): invoice, credit note, invoice in two
    instalments (half now, half 30 days later)."""
    term = env["account.payment.term"].create(
        {
            "name": "Bench: two instalments",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
            ],
        }
    )
    models = {}
    for currency in currencies:
        for kind in ("invoice", "refund", "instalments"):
            move = env["account.move"].create(
                {
                    "move_type": "out_refund" if kind == "refund" else "out_invoice",
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "invoice_date": today - timedelta(days=200),
                    "invoice_payment_term_id": term.id if kind == "instalments" else False,
                    "invoice_date_due": today - timedelta(days=200),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "price_unit": 30.0 if kind == "refund" else 100.0,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            models[kind, currency.id] = move
    return models


def generate_mixed_book(env, customers_count, invoices_count, today, seed=14, prefix="Mixed"):
    """A book with everything a collections run meets, from a deterministic seed: due dates over
    every level (MIXED_OFFSETS), partial payments (a fifth of the invoices half paid), credit
    notes (a tenth), invoices in two instalments (a tenth), three currencies and four languages
    (LANGS, round robin). The same seed and sizes give the same book.

    Documents are copies (by SQL) of model documents posted by Odoo, joined to their lines by
    the id the plan gives them, as in generate_book. The partial payments are set as the rows
    are inserted (an update afterwards would have to find the copies again)."""
    cr = env.cr
    company = env.company
    for lang in LANGS[1:]:
        env["res.lang"]._activate_lang(lang)
    currencies = [company.currency_id]
    for code in ("USD", "GBP", "CHF", "EUR"):
        currency = env.ref(f"base.{code}")
        if currency not in currencies and len(currencies) < 3:
            currency.active = True
            env["res.currency.rate"].create({"currency_id": currency.id, "rate": 1.1 + len(currencies) / 10})
            currencies.append(currency)
    partners = _create_partners(
        env,
        customers_count,
        lambda i: {
            "name": f"{prefix} Customer {i:06d}",
            "email": f"{prefix.lower()}{i}@example.com",
            "street": f"Street {i}",
            "city": "Gent",
            "lang": LANGS[i % len(LANGS)],
        },
    )
    models = _model_moves(env, partners[0], today, currencies)
    env.flush_all()
    kinds = [
        models[kind, currency.id].id
        for currency in currencies
        for kind in ("invoice", "refund", "instalments")
    ]
    # h: a deterministic hash of (seed, i) that picks the kind, currency, lateness and payment;
    # move_id: the copy's id, taken from account_move's sequence in the order of i.
    cr.execute(
        "CREATE TEMP TABLE book_plan AS "
        "SELECT i, nextval(pg_get_serial_sequence('account_move', 'id'))::int AS move_id, "
        "(%(partners)s::int[])[1 + i %% %(n)s] AS partner_id, "
        "%(today)s::date - (%(offsets)s::int[])[1 + (h / 97) %% %(n_offsets)s] AS due, "
        "(%(kinds)s::int[])[1 + 3 * ((h / 7) %% 3) + CASE WHEN h %% 10 = 0 THEN 1 WHEN h %% 10 = 1 THEN 2 ELSE 0 END]"
        " AS model_id, (h / 13) %% 5 = 0 AND h %% 10 != 0 AS partial "
        "FROM (SELECT i, abs(hashint4(i # %(seed)s)) AS h FROM generate_series(0, %(count)s - 1) AS i) s",
        {
            "partners": partners.ids,
            "n": customers_count,
            "today": today,
            "offsets": list(MIXED_OFFSETS),
            "n_offsets": len(MIXED_OFFSETS),
            "kinds": kinds,
            "seed": seed,
            "count": invoices_count,
        },
    )
    # The plan is a temporary table: without statistics the planner joins it row by row.
    cr.execute("ANALYZE book_plan")
    move_cols = _columns(cr, "account_move", MOVE_SET | MOVE_PARTIAL)
    line_cols = _columns(cr, "account_move_line", LINE_SET | LINE_PARTIAL)
    with _bulk_copy(cr):
        cr.execute(
            SQL(
                "INSERT INTO account_move (id, name, partner_id, commercial_partner_id, invoice_date_due, sequence_number, "
                "payment_state, amount_residual, amount_residual_signed, %s) "
                "SELECT p.move_id, %s || lpad(p.i::text, 7, '0'), p.partner_id, p.partner_id, p.due, p.i, "
                "CASE WHEN p.partial THEN 'partial' ELSE m.payment_state END, "
                "CASE WHEN p.partial THEN round(m.amount_residual / 2, 2) ELSE m.amount_residual END, "
                "CASE WHEN p.partial THEN round(m.amount_residual_signed / 2, 2) ELSE m.amount_residual_signed END, %s "
                "FROM book_plan p JOIN account_move m ON m.id = p.model_id",
                SQL(", ").join(SQL.identifier(c) for c in move_cols),
                f"{prefix.upper()}/",
                SQL(", ").join(SQL.identifier("m", c) for c in move_cols),
            )
        )
        # Partial payments: half of what each receivable line of these invoices still owes.
        cr.execute(
            SQL(
                "INSERT INTO account_move_line (move_id, partner_id, date_maturity, amount_residual, "
                "amount_residual_currency, %s) "
                "SELECT p.move_id, p.partner_id, l.date_maturity + (p.due - m.invoice_date_due), "
                "CASE WHEN p.partial AND l.display_type = 'payment_term' THEN round(l.amount_residual / 2, 2) "
                "ELSE l.amount_residual END, "
                "CASE WHEN p.partial AND l.display_type = 'payment_term' THEN round(l.amount_residual_currency / 2, 2) "
                "ELSE l.amount_residual_currency END, %s "
                "FROM book_plan p JOIN account_move m ON m.id = p.model_id "
                "JOIN account_move_line l ON l.move_id = p.model_id WHERE m.id = ANY(%s)",
                SQL(", ").join(SQL.identifier(c) for c in line_cols),
                SQL(", ").join(SQL.identifier("l", c) for c in line_cols),
                kinds,
            )
        )
    # The model documents stay, open on the first customer (nine more documents).
    cr.execute("DROP TABLE book_plan; ANALYZE res_partner; ANALYZE account_move; ANALYZE account_move_line")
    env.invalidate_all()
    return partners
