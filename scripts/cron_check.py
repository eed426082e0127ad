"""The autopilot's daily run through Odoo's own scheduler, with real servers: two
``odoo-bin --workers=2 --max-cron-threads=2`` on 127.0.0.1 share one database, with a cron time
limit (``--limit-time-real-cron``) shorter than a large company's run. The run must complete over several
cron passes ("partially done", rescheduled at once, taken by any cron worker), every customer
exactly one reminder, none failed, no worker killed by the limit.

Used by the test command (scripts/odoo_suite.py, on a copy of the test database once the suite
ran) and runnable alone (the database is copied first; the copy is dropped afterwards)::

    python scripts/cron_check.py --odoo ODOO --db DB --addons-path ... --data-dir ...
"""

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import concurrency_check  # scripts/, beside this file
import odoo_suite

# Enough customers for a run of several passes at the autopilot's speed (240 customers once took
# 6-9 passes; since the emails render faster they fit in one).
CUSTOMERS = 900
BATCH = 30
# --limit-time-real-cron: a prefork cron worker pings its watchdog, then sleeps up to 70 s
# waiting for a job, and the sleep counts: a lower limit kills idle workers, and a job gets the
# limit less that sleep. With 90 s the autopilot stops its passes 11 s after they start.
LIMIT = 90
SETUP = """
import os, sys
sys.path.insert(0, os.environ["BENCH_SCRIPTS"])
from book import generate_book
from odoo import fields
company = env.company
company.collection_autopilot = True
company.collection_policy_id = env.ref("account_collection.collection_policy_standard")
company.collection_policy_id.level_ids.attach_invoices = False
today = fields.Date.context_today(env["res.users"])
partners = generate_book(env, int(os.environ["CUSTOMERS"]), 3 * int(os.environ["CUSTOMERS"]), today,
                         offsets=(3, 7, 11, 60), prefix="Croncheck")
env["ir.config_parameter"].set_param("account_collection.autopilot_batch_size", os.environ["BATCH"])
crons = env.ref("account_collection.ir_cron_collection_autopilot") | env.ref(
    "account_collection.ir_cron_collection_autopilot_top")
# Only the autopilot's two jobs run in this copy (the mail queue would try to reach an SMTP server).
env.cr.execute("UPDATE ir_cron SET active = (id IN %s)", [tuple(crons.ids)])
env.cr.execute("UPDATE ir_cron SET nextcall = now() at time zone 'UTC' - interval '1 minute' WHERE id IN %s",
               [tuple(crons.ids)])
env.cr.commit()
print("SETUP", len(partners), ",".join(map(str, crons.ids)))
"""
JOB_LINE = re.compile(
    r"^\S+ \S+ (?P<pid>\d+) INFO \S+ odoo\.addons\.base\.models\.ir_cron: Job '(?P<name>[^']*)' "
    r"\(\d+\) (?P<status>fully done|partially done|failed) \(#loop (?P<loops>\d+); "
    r"done (?P<done>\d+); remaining (?P<remaining>\d+); duration (?P<duration>[\d.]+)s\)"
)


def _state(db, cron_ids):
    """(customers reminded today, whether the cron jobs are rescheduled to a later day)."""
    with contextlib.closing(odoo_suite.connect(db)) as conn, conn.cursor() as cr:
        cr.execute(
            "SELECT count(*) FROM collection_communication c JOIN res_partner p ON p.id = c.partner_id "
            "WHERE p.name LIKE 'Croncheck Customer %%' AND c.date = current_date"
        )
        reminded = cr.fetchone()[0]
        cr.execute(
            "SELECT bool_and(nextcall > now() at time zone 'UTC' + interval '1 hour' "
            "AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger t WHERE t.cron_id = ir_cron.id)) "
            "FROM ir_cron WHERE id IN %s",
            [tuple(cron_ids)],
        )
        return reminded, cr.fetchone()[0]


def _notify(db):
    with contextlib.closing(odoo_suite.connect(db)) as conn:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("SELECT pg_notify('cron_trigger', %s)", [db])


def _server(opts, db, log_path):
    cmd = [
        sys.executable,
        str(opts.odoo / "odoo-bin"),
        "--addons-path",
        opts.addons_path,
        "--data-dir",
        opts.data_dir,
        "-d",
        db,
        "--db-filter",
        f"^{db}$",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(odoo_suite.free_port()),
        "--gevent-port",
        str(odoo_suite.free_port()),
        "--workers",
        "2",
        "--max-cron-threads",
        "2",
        "--limit-time-real-cron",
        str(opts.limit),
        "--log-level",
        "info",
        "--logfile",
        str(log_path),
    ]
    # A job left "partially done" is announced at once to the other cron workers (else they
    # would only see it at their next minute's poll).
    env = dict(os.environ, ODOO_NOTIFY_CRON_CHANGES="1")
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(opts):
    """Returns a list of problems (empty: the check passed) and prints what it saw."""
    db = f"{opts.db}_cron"
    data_dir = Path(opts.data_dir)
    odoo_suite.copy_db(opts.db, db, data_dir)
    servers, logs = [], []
    try:
        shell_opts = argparse.Namespace(**{**vars(opts), "db": db})
        proc, script = concurrency_check.shell(shell_opts, SETUP, {"BATCH": str(opts.batch)})
        out, _ = proc.communicate(script, timeout=900)
        setup = re.search(r"SETUP (\d+) ([\d,]+)", out)
        if not setup:
            return [f"could not set up the book: {out[-2000:]}"]
        cron_ids = [int(cron_id) for cron_id in setup.group(2).split(",")]
        started = time.time()
        for number in range(2):
            log_path = Path(opts.data_dir) / f"cron_check_{db}_{number}.log"
            log_path.unlink(missing_ok=True)
            logs.append(log_path)
            servers.append(_server(opts, db, log_path))
        done = False
        while time.time() - started < opts.timeout:
            time.sleep(2)
            reminded, rescheduled = _state(db, cron_ids)
            if not reminded:
                # The job became due without a notification (set by SQL above): wake the cron
                # workers as Odoo's own trigger does, rather than wait for their next poll.
                _notify(db)
            if rescheduled:
                done = True
                break
        elapsed = time.time() - started
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
    problems = []
    try:
        passes, errors, killed = [], [], []
        for number, log_path in enumerate(logs, 1):
            text = log_path.read_text() if log_path.exists() else ""
            for line in text.splitlines():
                match = JOB_LINE.match(line)
                if match and match["name"].startswith("Collections: autopilot"):
                    passes.append((line[:23], number, match))  # by the log's timestamp
                if "virtual real time limit" in line or ("Worker (" in line and "timeout" in line):
                    killed.append(line)
                if re.search(r" (ERROR|CRITICAL) ", line) or "Traceback" in line:
                    errors.append(line)
        passes = [(number, match) for _time, number, match in sorted(passes, key=lambda item: item[0])]
        workers = sorted({(number, match["pid"]) for number, match in passes})
        print(
            f"  {len(passes)} cron passes in {elapsed:.0f}s (limit {opts.limit}s per pass, batches of "
            f"{opts.batch}) on {len(workers)} cron workers of 2 servers: "
            + ", ".join(
                f"{'second worker ' if 'second' in match['name'] else ''}{match['status']} {match['done']} "
                f"(left {match['remaining']}, {float(match['duration']):.1f}s)"
                for _number, match in passes
            )
        )
        reminder_problems = concurrency_check.check_reminders(shell_opts, "Croncheck")
        if not done:
            problems.append(f"the run did not complete in {opts.timeout}s")
        if len(passes) < 2:
            problems.append(f"the run took {len(passes)} cron pass(es), not several: raise --customers")
        if killed:
            problems.append(f"{len(killed)} cron worker(s) hit the time limit: {killed[0][:300]}")
        if errors:
            problems.append(f"{len(errors)} error line(s) in the servers' logs: {errors[0][:500]}")
        problems += reminder_problems
    finally:
        odoo_suite.drop_db(db, data_dir)
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--db", required=True, help="database to copy (the addon installed)")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--limit", type=int, default=LIMIT)
    parser.add_argument("--timeout", type=int, default=420)
    opts = parser.parse_args()
    problems = run(opts)
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
