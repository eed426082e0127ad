"""Side by side: this addon and OCA account_credit_control 19.0 on copies of the same database.

    scripts/benchmark compare                      2,000 and 10,000 customers (5 documents each)
    scripts/benchmark compare 500:2500             chosen sizes (customers:documents)
    scripts/benchmark compare --only ours 100000:500000     one side (--ours-only: --only ours)
    scripts/benchmark compare --only oca 10000:50000

For each size: a database with both addons gets the mixed book of scripts/book.py
(generate_mixed_book, seed 14: due dates over every level, partial payments, credit notes,
instalments, three currencies, four languages) and an equivalent policy in each addon (three
email levels at 3, 7 and 11 days after the due date, no PDF); then two copies of it, one run of
each addon on its copy, each in a fresh ``odoo-bin shell``.

Each side's result is stored per size in ``$ACCOUNT_COLLECTION_CACHE/benchmark_compare.json``
with its date and the addon's git commit, so that the sides can be run apart on the same
deterministic book: ``--only ours`` after a change of this addon, without rerunning the long OCA
side (``--only oca`` installs both addons, as a run of both does). The table (decision time,
whole run, SQL queries, peak memory, customers per second, ratio where both sides are stored,
and the commit and date of each row) combines the latest stored result of each side for the
sizes asked; it is printed and written to ``$ACCOUNT_COLLECTION_CACHE/benchmark_compare.rst``.

OCA's addon comes from the package registry (``odoo-addon-account-credit-control``, installed
with ``pip install --no-deps`` into a virtualenv of the cache, used only as an extra addons path).
"""

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _odoo_proc
import odoo_suite

OCA_PACKAGE = "odoo-addon-account-credit-control==19.0.*"
OCA_MODULE = "account_credit_control"

GENERATE = """
import json, os, sys, time
sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
from book import generate_mixed_book
from odoo import Command, fields
company = env.company
today = fields.Date.context_today(env["res.users"])
started = time.time()
partners = generate_mixed_book(env, int(os.environ["BENCH_CUSTOMERS"]), int(os.environ["BENCH_INVOICES"]), today)
# This addon: three email levels, no courtesy, no PDF.
policy = env["collection.policy"].create({
    "name": "Bench: three emails",
    "level_ids": [Command.create({"name": f"Email {days}", "offset_days": days, "send_email": True,
                                  "tone": tone}) for days, tone in ((3, "friendly"), (7, "firm"), (11, "formal"))],
})
company.collection_policy_id = policy
company.collection_autopilot = True
"""

GENERATE_OCA = """
# OCA: the same three levels, by email, on the receivable account.
receivable = env["account.account"].search([("account_type", "=", "asset_receivable"),
                                            ("company_ids", "in", company.ids)])
template = env.ref("account_credit_control.email_template_credit_control_base")
template.report_template_ids = False  # OCA's email attaches its summary PDF: no PDF on either side
oca = env["credit.control.policy"].create({
    "name": "Bench: three emails",
    "company_id": company.id,
    "account_ids": [Command.set(receivable.ids)],
    "level_ids": [Command.create({"name": f"Email {days}", "level": level, "computation_mode": "net_days",
                                  "delay_days": days, "channel": "email", "email_template_id": template.id,
                                  "custom_text": "Please pay.", "mail_show_invoice_detail": True,
                                  "custom_mail_text": "<p>Please pay the invoices below.</p>"})
                  for level, days in ((1, 3), (2, 7), (3, 11))],
})
company.credit_policy_id = oca
"""

GENERATE_END = """
env.cr.commit()
print("GENERATED " + json.dumps({"customers": len(partners), "seconds": time.time() - started}))
"""

RUN_OURS = """
import json, resource, time
from odoo import fields
company = env.company
today = fields.Date.context_today(env["res.users"])
autopilot = env["collection.autopilot"].with_company(company).sudo()
# The run first (it decides batch by batch): its peak memory is the process's after it. Then,
# rolled back, the decision of every customer at once (held in memory together), timed alone.
queries = env.cr.sql_log_count
started = time.time()
comms = autopilot._run(company, today)
run_time, run_queries = time.time() - started, env.cr.sql_log_count - queries
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
customers = len(comms.partner_id)
mails = env["mail.mail"].search_count([("mail_message_id", "in", comms.mail_message_id.ids)])
env.cr.rollback()
env.invalidate_all()
queries = env.cr.sql_log_count
started = time.time()
decisions = autopilot._decide(company, today)
decide_time, decide_queries = time.time() - started, env.cr.sql_log_count - queries
print("RESULT " + json.dumps({
    "decide": decide_time, "decide_queries": decide_queries, "to_remind": len(decisions),
    "run": run_time, "run_queries": run_queries, "customers": customers, "emails": mails,
    "peak_mb": peak_mb,
    "decide_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

RUN_OCA = """
import json, resource, time
from odoo import fields
company = env.company
today = fields.Date.context_today(env["res.users"])
run = env["credit.control.run"].create({"date": today, "policy_ids": [(6, 0, company.credit_policy_id.ids)]})
queries = env.cr.sql_log_count
started = time.time()
run.generate_credit_lines()
decide_time, decide_queries = time.time() - started, env.cr.sql_log_count - queries
run.set_to_ready_lines()
run.run_channel_action()
env.flush_all()
run_time, run_queries = time.time() - started, env.cr.sql_log_count - queries
comms = run.line_ids.communication_id
mails = env["mail.mail"].search_count([("model", "=", "credit.control.communication"), ("res_id", "in", comms.ids)])
print("RESULT " + json.dumps({
    "decide": decide_time, "decide_queries": decide_queries, "to_remind": len(run.line_ids.partner_id),
    "run": run_time, "run_queries": run_queries, "customers": len(comms.partner_id), "emails": mails,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

# Each side: its name in the table and the script of its run.
SIDES = {"ours": ("account_collection", RUN_OURS), "oca": ("OCA credit_control", RUN_OCA)}


def oca_addons_path(cache):
    """The folder holding OCA's addon, installed once from the package registry."""
    venv = cache / "venv-oca-credit-control-19"
    target = next(venv.glob("lib/python*/site-packages/odoo/addons"), None)
    if target is None or not (target / OCA_MODULE).exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--prefix", str(venv), OCA_PACKAGE],
            check=True,
        )
        target = next(venv.glob("lib/python*/site-packages/odoo/addons"))
    return str(target)


def shell(opts, db, script, extra_env):
    """Run `script` in an ``odoo-bin shell`` on `db`; returns the JSON of its RESULT or GENERATED line."""
    cmd = _odoo_proc.shell_cmd(opts.odoo, opts.addons_path, opts.data_dir, db)
    env = dict(os.environ, BENCH_SCRIPTS=str(Path(__file__).parent), **extra_env)
    proc = subprocess.run(cmd, input=script, env=env, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith(("RESULT ", "GENERATED ")):
            return json.loads(line.split(" ", 1)[1])
    raise RuntimeError(f"{db}: no result\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def addon_commit(addon):
    """The addon's commit, marked when its tracked files have uncommitted changes."""
    git = ["git", "-C", str(addon)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    if commit.returncode:
        return "unknown"
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return commit.stdout.strip() + ("+changes" if changed else "")


def load_results(path):
    """The stored results: a list of {size, side, date, commit, book_seconds, result}, oldest first."""
    return json.loads(path.read_text()) if path.exists() else []


def store_result(path, entry):
    results = [*load_results(path), entry]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(path)


def latest(results, size, side):
    entries = [entry for entry in results if entry["size"] == size and entry["side"] == side]
    return max(entries, key=lambda entry: entry["date"], default=None)


def row(side, label, entry):
    result = entry["result"]
    rate = result["customers"] / result["run"] if result["run"] else 0
    return [
        SIDES[side][0],
        label,
        f"{result['decide']:.1f} s, {result['decide_queries']} q",
        f"{result['run']:.1f} s",
        f"{result['run_queries']}",
        f"{result['peak_mb']:.0f} MB",
        f"{result['customers']} / {result['emails']}",
        f"{rate:.1f}",
        f"{entry['commit']}, {entry['date'][:16].replace('T', ' ')}",
    ]


def ratio_row(label, ours, oca):
    ours, oca = ours["result"], oca["result"]
    decide = f"{oca['decide'] / ours['decide']:.0f}x" if ours["decide"] else ""
    per_customer = ""
    if ours["run"] and oca["run"] and oca["customers"]:
        per_customer = (
            f"{(ours['customers'] / ours['run']) / (oca['customers'] / oca['run']):.0f}x per customer"
        )
    return ["  ratio", label, decide, per_customer, "", "", "", "", ""]


def table(rows):
    head = [
        "addon",
        "customers / documents",
        "decision",
        "whole run",
        "SQL queries",
        "peak memory",
        "customers / emails",
        "customers/s",
        "commit, date (UTC)",
    ]
    rows = [head, *rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    rule = "  ".join("=" * w for w in widths)
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([rule, lines[0], rule, *lines[1:], rule])


def parse_size(text):
    """(customers, documents) of a "customers:documents" argument."""
    customers, invoices = (int(part) for part in text.split(":"))
    return customers, invoices


def combined_rows(results, sizes):
    """The table's rows: the latest stored result of each side for each size, and their ratio."""
    rows = []
    for customers, invoices in sizes:
        label = f"{customers:,} / {invoices:,}"
        entries = {side: latest(results, f"{customers}:{invoices}", side) for side in SIDES}
        rows += [row(side, label, entry) for side, entry in entries.items() if entry]
        if all(entries.values()):
            rows.append(ratio_row(label, entries["ours"], entries["oca"]))
    return rows


def run_size(opts, customers, invoices, template, results_path):
    """Generate the book of one size, run the sides asked on copies of it, store each result."""
    size = f"{customers}:{invoices}"
    base = f"ac_cmp_{customers}"
    copies = {side: f"{base}_{side}" for side in opts.sides}
    extra = {"BENCH_CUSTOMERS": str(customers), "BENCH_INVOICES": str(invoices)}
    try:
        odoo_suite.copy_db(template, base, opts.data_dir)
        install = odoo_suite.odoo_cmd(
            ["-d", base, "-i", ",".join(opts.modules), "--log-level", "warn"],
            opts.odoo,
            opts.addons_path,
            opts.data_dir,
        )
        subprocess.run(install, check=True, capture_output=True)
        script = GENERATE + (GENERATE_OCA if "oca" in opts.sides else "") + GENERATE_END
        book = shell(opts, base, script, extra)
        print(
            f"=== {customers} customers / {invoices} documents: book of {book['customers']} customers "
            f"generated in {book['seconds']:.0f}s",
            flush=True,
        )
        for db in copies.values():
            odoo_suite.copy_db(base, db, opts.data_dir)
        for side, db in copies.items():
            result = shell(opts, db, SIDES[side][1], extra)
            print(f"    {side}: {result}", flush=True)
            store_result(
                results_path,
                {
                    "size": size,
                    "side": side,
                    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "commit": opts.commit,
                    "book_seconds": round(book["seconds"], 1),
                    "result": result,
                },
            )
    finally:
        if not os.environ.get("KEEP_DB"):
            for db in [base, *copies.values()]:
                odoo_suite.drop_db(db, opts.data_dir)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--addon", required=True, type=Path)
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--only", choices=list(SIDES), help="run one side; the table takes the other from the stored results"
    )
    only.add_argument("--ours-only", dest="only", action="store_const", const="ours", help="--only ours")
    parser.add_argument("sizes", nargs="*", type=parse_size, default=[(2000, 10000), (10000, 50000)])
    return parser.parse_args(argv)


def main():
    opts = parse_args()
    cache = Path(os.environ.get("ACCOUNT_COLLECTION_CACHE", Path.home() / ".cache" / odoo_suite.MODULE))
    results_path = cache / "benchmark_compare.json"
    opts.data_dir = cache / "odoo-data"
    opts.sides = [opts.only] if opts.only else list(SIDES)
    opts.commit = addon_commit(opts.addon)
    addons_path, _links = odoo_suite.addons_path_for(opts.odoo, opts.addon, "ac-compare-")
    template = odoo_suite.ensure_template(opts.odoo, opts.addon, addons_path, opts.data_dir, cache)
    opts.modules = [odoo_suite.MODULE]
    if "oca" in opts.sides:
        addons_path += "," + oca_addons_path(cache)
        opts.modules.append(OCA_MODULE)
    opts.addons_path = addons_path
    for customers, invoices in opts.sizes:
        run_size(opts, customers, invoices, template, results_path)
    text = table(combined_rows(load_results(results_path), opts.sizes))
    print(text)
    (cache / "benchmark_compare.rst").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
