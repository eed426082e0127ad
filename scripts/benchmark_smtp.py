"""Sending, not only queueing: Odoo's mail queue sends the autopilot's reminders to a local SMTP
sink on 127.0.0.1 (scripts/smtp_sink.py) and the benchmark prints mails per second.

    scripts/benchmark smtp                 1,000 customers (one reminder email each)
    scripts/benchmark smtp 3000            another number of customers

A database per run (ac_bench_smtp), dropped afterwards unless KEEP_DB=1.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _odoo_proc
import odoo_suite

SCRIPT = """
import os, sys, time
sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
from book import generate_book
from odoo import fields
company = env.company
company.collection_policy_id = env.ref("account_collection.collection_policy_standard")
company.collection_policy_id.level_ids.attach_invoices = False
today = fields.Date.context_today(env["res.users"])
customers = int(os.environ["BENCH_CUSTOMERS"])
generate_book(env, customers, 3 * customers, today, offsets=(3, 4, 5), prefix="Smtp")
env["ir.mail_server"].create({"name": "sink", "smtp_host": "127.0.0.1", "smtp_port": int(os.environ["SINK_PORT"]),
                              "smtp_encryption": "none"})
env.cr.commit()
started = time.time()
comms = env["collection.autopilot"].with_company(company)._run(company, today, commit=True)
queued = time.time() - started
env.cr.commit()
print(f"queued {len(comms)} reminders in {queued:.1f}s ({len(comms) / queued:.0f}/s)", flush=True)
Mail = env["mail.mail"].sudo()
outgoing = Mail.search_count([("state", "=", "outgoing")])
started = time.time()
while Mail.search_count([("state", "=", "outgoing")]):
    Mail.process_email_queue()  # commits after each batch of sent mails, as the mail cron does
    env.invalidate_all()
sent_time = time.time() - started
failed = Mail.search_count([("state", "=", "exception")])
print(f"SENT {outgoing} outgoing mails sent in {sent_time:.1f}s = {outgoing / sent_time:.1f} mails/s, "
      f"{failed} failed", flush=True)
if os.environ.get("BENCH_PROFILE"):
    import cProfile, pstats
    comms = env["collection.autopilot"].with_company(company)._run(company, today, partners=comms.partner_id[:200],
                                                                   manual=True, commit=True)
    env.cr.commit()
    profiler = cProfile.Profile()
    profiler.runcall(Mail.process_email_queue)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--addon", required=True, type=Path)
    parser.add_argument("customers", nargs="?", type=int, default=1000)
    opts = parser.parse_args()
    cache = Path(os.environ.get("ACCOUNT_COLLECTION_CACHE", Path.home() / ".cache" / odoo_suite.MODULE))
    data_dir = cache / "odoo-data"
    addons_path, _links = odoo_suite.addons_path_for(opts.odoo, opts.addon, "ac-smtp-")
    template = odoo_suite.ensure_template(opts.odoo, opts.addon, addons_path, data_dir, cache)
    db = "ac_bench_smtp"
    port = odoo_suite.free_port()
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "smtp_sink.py"), str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    sink.stdout.readline()  # READY
    odoo_suite.copy_db(template, db, data_dir)
    try:
        install = odoo_suite.odoo_cmd(
            ["-d", db, "-i", odoo_suite.MODULE, "--log-level", "warn"], opts.odoo, addons_path, data_dir
        )
        subprocess.run(install, check=True, capture_output=True)
        shell = _odoo_proc.shell_cmd(opts.odoo, addons_path, data_dir, db)
        env = dict(
            os.environ,
            BENCH_CUSTOMERS=str(opts.customers),
            SINK_PORT=str(port),
            BENCH_SCRIPTS=str(Path(__file__).parent),
        )
        subprocess.run(shell, input=SCRIPT, env=env, text=True, check=True)
    finally:
        sink.terminate()
        print("sink received (messages, bytes):", sink.communicate(timeout=30)[0].strip())
        if not os.environ.get("KEEP_DB"):
            odoo_suite.drop_db(db, data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
