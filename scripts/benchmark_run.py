# Runs inside `odoo-bin shell` (scripts/benchmark): generates customers and open invoices spread
# over every level of the Standard policy, then runs the autopilot and prints wall time, SQL
# queries and peak memory. Nothing is committed after the data generation.
# ruff: noqa: F821
import logging
import os
import resource
import sys
import time

from odoo import fields

customers_count = int(os.environ["BENCH_CUSTOMERS"])
invoices_count = int(os.environ["BENCH_INVOICES"])
cr = env.cr
sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured
# wkhtmltopdf without a running HTTP server warns about every stylesheet it cannot fetch.
logging.getLogger("odoo.addons.base.models.ir_actions_report").setLevel(logging.ERROR)
company = env.company
company.collection_policy_id = env.ref("account_collection.collection_policy_standard")
# As in a real company: a trusted account to pay to, so that every email and letter gives the bank
# details and the payment reference (and a letter its QR code). Trusted by the administrator: Odoo
# does not let OdooBot, the shell's user, trust an account.
if not company.partner_id.bank_ids:
    env["res.partner.bank"].with_user(env.ref("base.user_admin")).create(
        {"acc_number": "NL91ABNA0417164300", "partner_id": company.partner_id.id, "allow_out_payment": True}
    )
assert env["collection.communication"]._collection_bank_account(company), "the bank account is not trusted"
today = fields.Date.context_today(env["res.users"])


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


started = time.time()
sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
from book import generate_book  # noqa: E402

partners = generate_book(env, customers_count, invoices_count, today)
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

# What the cockpit shows before the run is what the run sends: the same customers, the same levels.
started = time.time()
autopilot._refresh_status(company, today)
planned = {
    partner.id: partner.collection_next_level_id.id
    for partner in env["res.partner"]
    .with_company(company)
    .search([("collection_next_date", "<=", today), ("collection_next_level_id", "!=", False)])
}
print(f"cockpit refresh of every customer: {time.time() - started:.1f}s, {len(planned)} customers due today")
env.invalidate_all()
queries = cr.sql_log_count
started = time.time()
if os.environ.get("BENCH_PROFILE"):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    comms = profiler.runcall(autopilot._run, company, today)
    run_time = time.time() - started
    if os.environ.get("BENCH_PROFILE_OUT"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        int(os.environ.get("BENCH_PROFILE_LINES", 45))
    )
else:
    comms = autopilot._run(company, today)
    run_time = time.time() - started
mails = env["mail.mail"].search_count([("mail_message_id", "in", comms.mail_message_id.ids)])
sent = {comm.partner_id.id: comm.level_id.id for comm in comms}
print(
    "cockpit next action = what the run sent: "
    + (
        "yes, for every customer"
        if sent == planned
        else f"NO: {len(set(sent.items()) ^ set(planned.items()))} differ"
    )
)
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
pdfs = len(comms.line_ids.filtered(lambda line: line.section == "overdue").move_id)
print(
    f"with invoice PDFs: {len(comms)} customers, {pdfs} PDFs rendered in {with_pdf:.1f}s "
    f"({with_pdf / max(pdfs, 1):.2f}s per PDF); a second send reuses the stored PDFs:"
)
started = time.time()
autopilot._run(company, today, partners=sample, manual=True)
print(f"  same customers again: {time.time() - started:.1f}s")
cr.rollback()
