"""Two autopilot workers at once, as real processes on one database: every customer must get
exactly one reminder and no reminder may be recorded as failed.

Used by the test command (scripts/odoo_suite.py, on the test database once the suite ran) and
runnable alone: ``python scripts/concurrency_check.py --odoo ODOO --db DB --addons-path ... --data-dir ...``.
Each worker is an ``odoo-bin shell`` that runs the autopilot with small batches and commits
after each one, as the cron does; they start together on the same customers.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import _odoo_proc  # scripts/, beside this file

CUSTOMERS = 300
GENERATE = """
import os, sys
sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
from book import generate_book
from odoo import fields
company = env.company
company.collection_policy_id = env.ref("account_collection.collection_policy_standard")
company.collection_policy_id.level_ids.attach_invoices = False
today = fields.Date.context_today(env["res.users"])
partners = generate_book(env, int(os.environ["CUSTOMERS"]), 3 * int(os.environ["CUSTOMERS"]), today,
                         offsets=(3, 7, 11, 60), prefix="Concurrent")
env.cr.commit()
print("GENERATED", len(partners))
"""
WORKER = """
import time
autopilot = env["collection.autopilot"].with_company(env.company)
type(autopilot)._batch_size = 20
started = time.time()
comms = autopilot._run(env.company, commit=True)
print("WORKER sent", len(comms.filtered(lambda c: c.state != "failed")), "failed",
      len(comms.filtered(lambda c: c.state == "failed")), "in %.1fs" % (time.time() - started))
"""
# Shared with scripts/cron_check.py: the customers named "<CHECK_PREFIX> Customer N" reminded today.
CHECK = """
import os
from odoo import fields
today = fields.Date.context_today(env["res.users"])
partners = env["res.partner"].search([("name", "=like", os.environ["CHECK_PREFIX"] + " Customer %")])
comms = env["collection.communication"].search([("partner_id", "in", partners.ids), ("date", "=", today)])
counts = {}
for comm in comms:
    counts[comm.partner_id.id] = counts.get(comm.partner_id.id, 0) + 1
failed = comms.filtered(lambda c: c.state == "failed")
missing = [p.id for p in partners if p.id not in counts]
double = [p for p, n in counts.items() if n > 1]
mails = env["mail.mail"].search_count([("mail_message_id", "in", comms.mail_message_id.ids)])
print("CHECK customers", len(partners), "reminders", len(comms), "emails", mails, "failed", len(failed),
      "missing", len(missing), "double", len(double))
"""


def shell(opts, script, extra_env=None):
    cmd = _odoo_proc.shell_cmd(opts.odoo, opts.addons_path, opts.data_dir, opts.db)
    env = dict(
        os.environ,
        BENCH_SCRIPTS=str(Path(__file__).parent),
        CUSTOMERS=str(opts.customers),
        **(extra_env or {}),
    )
    return subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ), script


def run(opts):
    """Returns a list of problems (empty: the check passed) and prints what it saw."""
    proc, script = shell(opts, GENERATE)
    out, _ = proc.communicate(script, timeout=600)
    if "GENERATED" not in out:
        return [f"could not generate the book: {out[-2000:]}"]
    workers = [shell(opts, WORKER) for _ in range(2)]
    for proc, script in workers:
        proc.stdin.write(script)
        proc.stdin.close()
    outputs = [proc.stdout.read() for proc, _script in workers]
    for proc, _script in workers:
        proc.wait(timeout=600)
    problems = []
    for number, out in enumerate(outputs, 1):
        line = next((line for line in out.splitlines() if line.startswith("WORKER")), None)
        print(f"  worker {number}: {line or 'no result'}")
        if not line:
            problems.append(f"worker {number} did not finish: {out[-2000:]}")
        if re.search(r"Traceback|ERROR", out):
            problems.append(f"worker {number} logged an error: {out[-2000:]}")
    return problems + check_reminders(opts, "Concurrent")


def check_reminders(opts, prefix):
    """Problems (printing what it saw) unless each of the `opts.customers` customers named
    "`prefix` Customer N" got exactly one reminder today, none failed."""
    proc, script = shell(opts, CHECK, {"CHECK_PREFIX": prefix})
    out, _ = proc.communicate(script, timeout=600)
    line = next((line for line in out.splitlines() if line.startswith("CHECK")), "")
    print(f"  {line or out[-2000:]}")
    figures = dict(re.findall(r"(\w+) (\d+)", line))
    if not figures:
        return [f"no result from the check: {out[-2000:]}"]
    problems = []
    if int(figures["reminders"]) != opts.customers or int(figures["customers"]) != opts.customers:
        problems.append(f"{figures['reminders']} reminders for {figures['customers']} customers")
    for key in ("failed", "missing", "double"):
        if int(figures[key]):
            problems.append(f"{figures[key]} customers {key}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    opts = parser.parse_args()
    problems = run(opts)
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
