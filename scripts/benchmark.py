"""Driver of scripts/benchmark: a database per size, the addon installed, then
scripts/benchmark_run.py inside ``odoo-bin shell`` generates the data and measures.

With ``BENCH_WORKERS=2`` the same book is then sent again by the autopilot's two cron jobs at once
(``_cron_run()`` up from the first customer and ``_cron_run(from_top=True)`` down from the last,
each in an ``odoo-bin shell`` committing batch by batch, as two cron workers run them), and the
wall time of the whole is measured, with a check that every customer got exactly one reminder
(``BENCH_WORKERS=1``: the first job alone)."""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _odoo_proc
import odoo_suite

# Once, before the jobs start (written by both at once, the company row would conflict).
SETUP = """
env.company.collection_policy_id.level_ids.attach_invoices = False
env.company.collection_autopilot = True
env.cr.commit()
print("SETUP done")
"""
WORKER = """
import os, time
autopilot = env["collection.autopilot"].with_company(env.company)
started = time.time()
autopilot._cron_run(from_top=os.environ["BENCH_FROM_TOP"] == "1")
print("WORKER", "from", started, "to", time.time())
"""
CHECK = """
from odoo import fields
today = fields.Date.context_today(env["res.users"])
comms = env["collection.communication"].search([("date", "=", today)])
partners = comms.partner_id
print("CHECK reminders", len(comms), "customers", len(partners), "failed",
      len(comms.filtered(lambda c: c.state == "failed")), "twice", len(comms) - len(partners),
      "emails", env["mail.mail"].search_count([("mail_message_id", "in", comms.mail_message_id.ids)]))
"""


def parallel(shell, env, workers):
    """N autopilot processes at once on the committed book: their wall time and the check."""
    setup = subprocess.run(shell, input=SETUP, capture_output=True, text=True, env=env).stdout
    if "SETUP done" not in setup:
        print(f"  could not prepare the jobs: {setup[-1500:]}")
        return
    procs = [
        subprocess.Popen(
            shell,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(env, BENCH_FROM_TOP=str(worker % 2)),
        )
        for worker in range(workers)
    ]
    for proc in procs:
        proc.stdin.write(WORKER)
        proc.stdin.close()
    outputs = [proc.stdout.read() for proc in procs]
    for proc in procs:
        proc.wait()
    spans = []
    for number, out in enumerate(outputs, 1):
        line = next((line for line in out.splitlines() if line.startswith("WORKER")), None)
        if not line:
            print(f"  worker {number} did not finish: {out[-1500:]}")
            return
        _word, _from, start, _to, end = line.split()
        spans.append((float(start), float(end)))
        job = "second job (down from the last)" if number % 2 == 0 else "first job (up from the first)"
        print(f"  {job}: {float(end) - float(start):.1f}s")
    # From the first worker's start to the last one's end, once each has loaded Odoo.
    wall = max(end for _start, end in spans) - min(start for start, _end in spans)
    check = subprocess.run(shell, input=CHECK, capture_output=True, text=True, env=env).stdout
    line = next((line for line in check.splitlines() if line.startswith("CHECK")), check[-1500:])
    figures = dict(re.findall(r"(\w+) (\d+)", line))
    reminders = int(figures.get("reminders", 0))
    print(
        f"{workers} cron job(s) at once: {reminders} reminders in {wall:.1f}s = {reminders / wall:.0f} customers/s "
        f"from the first start to the last end; {line}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--addon", required=True, type=Path)
    parser.add_argument("sizes", nargs="+", help="customers:invoices")
    opts = parser.parse_args()
    cache = Path(os.environ.get("ACCOUNT_COLLECTION_CACHE", Path.home() / ".cache" / odoo_suite.MODULE))
    data_dir = cache / "odoo-data"
    addons_path, _links = odoo_suite.addons_path_for(opts.odoo, opts.addon, "ac-bench-")
    template = odoo_suite.ensure_template(opts.odoo, opts.addon, addons_path, data_dir, cache)
    for size in opts.sizes:
        customers, invoices = (int(part) for part in size.split(":"))
        db = f"ac_bench_{customers}"
        odoo_suite.copy_db(template, db, data_dir)
        try:
            install = odoo_suite.odoo_cmd(
                ["-d", db, "-i", odoo_suite.MODULE, "--log-level", "warn"], opts.odoo, addons_path, data_dir
            )
            subprocess.run(install, check=True)
            shell = _odoo_proc.shell_cmd(opts.odoo, addons_path, data_dir, db)
            env = dict(
                os.environ,
                BENCH_CUSTOMERS=str(customers),
                BENCH_INVOICES=str(invoices),
                BENCH_SCRIPTS=str(Path(__file__).parent),
            )
            with open(Path(__file__).parent / "benchmark_run.py") as script:
                subprocess.run(shell, stdin=script, env=env, check=True)
            if int(os.environ.get("BENCH_WORKERS") or 0):
                parallel(shell, env, int(os.environ["BENCH_WORKERS"]))
        finally:
            if not os.environ.get("KEEP_DB"):
                odoo_suite.drop_db(db, data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
