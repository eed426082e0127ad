# Runs inside `odoo-bin shell` (scripts/benchmark): generates customers and open invoices spread
# over every level of the Standard policy, then runs the autopilot and prints wall time, SQL
# queries and peak memory. Nothing is committed after the data generation.
# ruff: noqa: F821
import logging
import os
import resource
import sys
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

customers_count = int(os.environ["BENCH_CUSTOMERS"])
invoices_count = int(os.environ["BENCH_INVOICES"])
cr = env.cr
sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured
# wkhtmltopdf without a running HTTP server warns about every stylesheet it cannot fetch.
logging.getLogger("odoo.addons.base.models.ir_actions_report").setLevel(logging.ERROR)
company = env.company
company.collection_policy_id = env.ref("account_collection.collection_policy_standard")
today = fields.Date.context_today(env["res.users"])


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


started = time.time()
partners = env["res.partner"].create(
    [
        {
            "name": f"Bench Customer {i:05d}",
            "email": f"bench{i}@example.com",
            "phone": f"+3247{i:07d}",
            "street": f"Street {i}",
            "city": "Gent",
        }
        for i in range(customers_count)
    ]
)
# One real invoice, posted by Odoo, is the model of all the others: they are copied by SQL
# (posting tens of thousands of invoices through the ORM would take an hour).
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


def columns(table, skip):
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != ALL(%s)",
        [table, list(skip)],
    )
    return [row[0] for row in cr.fetchall()]


# Invoice i belongs to customer c = i % N. The customers are spread over six situations (not
# due yet, courtesy reminder, then each level of the Standard policy) by the due dates of their
# invoices, so that every level is sent in the run.
cr.execute(
    "CREATE TEMP TABLE bench_plan AS SELECT i, (%s::int[])[1 + i %% %s] AS partner_id, "
    "%s::date - ((ARRAY[-30, -3, 3, 7, 11, 60])[1 + (i %% %s) %% 6] + (i / %s) %% 3) AS due "
    "FROM generate_series(0, %s - 1) AS i",
    [partners.ids, customers_count, today, customers_count, customers_count, invoices_count],
)
move_cols = columns(
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
        "SELECT 'BENCH/' || lpad(p.i::text, 6, '0'), p.partner_id, p.partner_id, p.due, p.i, %s "
        "FROM bench_plan p, account_move m WHERE m.id = %s",
        SQL(", ").join(SQL.identifier(c) for c in move_cols),
        SQL(", ").join(SQL.identifier("m", c) for c in move_cols),
        model.id,
    )
)
line_cols = columns("account_move_line", {"id", "move_id", "partner_id", "date_maturity"})
cr.execute(
    SQL(
        "INSERT INTO account_move_line (move_id, partner_id, date_maturity, %s) "
        "SELECT nm.id, p.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN p.due END, %s "
        "FROM bench_plan p JOIN account_move nm ON nm.name = 'BENCH/' || lpad(p.i::text, 6, '0') "
        "JOIN account_move_line l ON l.move_id = %s",
        SQL(", ").join(SQL.identifier(c) for c in line_cols),
        SQL(", ").join(SQL.identifier("l", c) for c in line_cols),
        model.id,
    )
)
cr.execute("ANALYZE account_move; ANALYZE account_move_line")
cr.commit()
env.invalidate_all()
print(
    f"\n=== {customers_count} customers, {invoices_count} open invoices "
    f"(generated in {time.time() - started:.0f}s)"
)

autopilot = env["collection.autopilot"].with_company(company)
queries = cr.sql_log_count
started = time.time()
decisions = autopilot._decide(company, today)
decide_time = time.time() - started
print(
    f"decide: {len(decisions)} customers to remind in {decide_time:.2f}s, "
    f"{cr.sql_log_count - queries} queries, peak memory {peak_mb():.0f} MB"
)
env.invalidate_all()

# The shipped "Last reminder" attaches the invoices: measured apart, below.
company.collection_policy_id.level_ids.attach_invoices = False
env.flush_all()
queries = cr.sql_log_count
started = time.time()
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    comms = profiler.runcall(autopilot._run, company, today)
    run_time = time.time() - started
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
else:
    comms = autopilot._run(company, today)
    run_time = time.time() - started
mails = env["mail.mail"].search_count([("mail_message_id", "in", comms.mail_message_id.ids)])
print(
    f"whole run: {len(comms)} communications ({mails} emails queued, "
    f"{len(comms.filtered('channel_sms'))} SMS, {len(comms.filtered('channel_letter'))} letters to print) "
    f"in {run_time:.1f}s = {len(comms) / run_time:.0f} customers/s, {cr.sql_log_count - queries} queries, "
    f"peak memory {peak_mb():.0f} MB"
)
cr.rollback()
env.invalidate_all()

# What a level with a PDF costs: the first reminder attaches the invoice PDFs (rendered once,
# then reused from the attachment Odoo stores), measured on a sample of customers.
sample = partners[:5]
level = company.collection_policy_id.level_ids.sorted("offset_days")[1]
level.attach_invoices = True
started = time.time()
comms = autopilot._run(company, today, partners=sample, manual=True)
with_pdf = time.time() - started
pdfs = len(comms.line_ids.filtered(lambda line: line.amount_residual > 0).move_id)
print(
    f"with invoice PDFs: {len(comms)} customers, {pdfs} PDFs rendered in {with_pdf:.1f}s "
    f"({with_pdf / max(pdfs, 1):.2f}s per PDF); a second send reuses the stored PDFs:"
)
started = time.time()
autopilot._run(company, today, partners=sample, manual=True)
print(f"  same customers again: {time.time() - started:.1f}s")
cr.rollback()
