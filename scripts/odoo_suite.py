"""Run this addon's Odoo test suite in a fresh database and count the results.

Called by ``scripts/test`` with the Python of a virtualenv that has Odoo's requirements.
It never builds or fetches Odoo: it takes the source tree given with ``--odoo``.

1. A template database with the addon's dependencies (no demo data) is created once and
   reused while Odoo and the dependencies stay the same; a fresh test database is copied
   from it (with its filestore) so that a run takes minutes.
2. ``odoo-bin -i account_collection --test-enable --test-tags /account_collection`` runs
   the at_install and post_install tests, tours included.
3. The log is read: failed and erroring tests, skipped tests (counted as skipped, never as
   passed), and every ERROR/CRITICAL line outside a test, or WARNING about this addon,
   which fails the run.
"""

import argparse
import ast
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import concurrency_check  # scripts/, beside this file
import cron_check
import psycopg2
from psycopg2 import sql

MODULE = "account_collection"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)"
)
RESULT = re.compile(r"(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests")
# The addon's own models are all named collection.*: a warning naming one is about this addon.
OWN_MODEL = re.compile(r"\bcollection\.[a-z_.]+")
SKIPPED = re.compile(r"^skipped (?P<test>\S+) : ")
# Lines Odoo logs as WARNING on every run, whoever the addon: not about this addon.
IGNORED_WARNINGS = (re.compile(r"Running as user 'root'"),)


def connect(dbname="postgres"):
    return psycopg2.connect(dbname=dbname)


def db_exists(name):
    with contextlib.closing(connect()) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return bool(cr.fetchone())


def drop_db(name, data_dir):
    with contextlib.closing(connect()) as conn:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    shutil.rmtree(data_dir / "filestore" / name, ignore_errors=True)


def copy_db(template, name, data_dir):
    drop_db(name, data_dir)
    with contextlib.closing(connect()) as conn:
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    src = data_dir / "filestore" / template
    if src.exists():
        shutil.copytree(src, data_dir / "filestore" / name)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text())


def template_name(odoo, depends):
    release = (odoo / "odoo" / "release.py").read_text()
    head = subprocess.run(
        ["git", "-C", str(odoo), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    key = "\n".join([release, head, *sorted(depends)]).encode()
    return f"ac_tmpl_{hashlib.sha1(key).hexdigest()[:10]}"


def addons_path_for(odoo, addon, prefix):
    """Odoo's addons path with this addon, linked in a folder named after the module (Odoo wants
    that name; a CI clone may be named otherwise). Returns (addons path, the folder)."""
    links = Path(tempfile.mkdtemp(prefix=prefix))
    (links / MODULE).symlink_to(addon.resolve(), target_is_directory=True)
    return ",".join([str(odoo / "addons"), str(odoo / "odoo" / "addons"), str(links)]), links


def ensure_template(odoo, addon, addons_path, data_dir, cache):
    """The name of the template database with the addon's dependencies, built once."""
    depends = manifest(addon)["depends"]
    template = template_name(odoo, depends)
    # Two runs at once (two checkouts, or CI beside a session) must not build it twice.
    with open(cache / f".{template}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not db_exists(template):
            build_template(template, odoo, addons_path, data_dir, depends)
    return template


def odoo_cmd(args, odoo, addons_path, data_dir):
    return [
        sys.executable,
        str(odoo / "odoo-bin"),
        "--addons-path",
        addons_path,
        "--data-dir",
        str(data_dir),
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(free_port()),
        "--gevent-port",
        str(free_port()),
        "--max-cron-threads",
        "0",
        "--stop-after-init",
        *args,
    ]


def build_template(name, odoo, addons_path, data_dir, depends):
    print(f"building template database {name} with {', '.join(depends)} (once)", flush=True)
    proc = subprocess.run(
        odoo_cmd(["-d", name, "-i", ",".join(depends), "--log-level", "warn"], odoo, addons_path, data_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stdout[-5000:], proc.stderr[-5000:], sep="\n")
        drop_db(name, data_dir)
        raise SystemExit(f"could not build the template database {name}")


def check_uninstall(odoo, addons_path, data_dir, db):
    """Uninstall the addon from the test database and list what it left behind."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(f"[options]\naddons_path = {addons_path}\ndata_dir = {data_dir}\n")
    try:
        proc = subprocess.run(
            [
                sys.executable,
                str(odoo / "odoo-bin"),
                "module",
                "uninstall",
                "-c",
                conf.name,
                "-d",
                db,
                MODULE,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(conf.name)
    problems = []
    if proc.returncode:
        problems.append(f"odoo-bin module uninstall exited {proc.returncode}: {proc.stderr[-2000:]}")
    for line in (proc.stdout + proc.stderr).splitlines():
        match = LOG_LINE.match(line)
        if match and match["level"] in ("ERROR", "CRITICAL"):
            problems.append(line)
    with contextlib.closing(connect(db)) as conn, conn.cursor() as cr:
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
        state = cr.fetchone()[0]
        if state != "uninstalled":
            problems.append(f"module state after uninstall: {state}")
        cr.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_name LIKE 'collection\\_%'"
        )
        problems += [f"table left behind: {name}" for (name,) in cr.fetchall()]
        cr.execute(
            "SELECT table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name LIKE 'collection\\_%'"
        )
        problems += [f"column left behind: {name}" for (name,) in cr.fetchall()]
        cr.execute("SELECT model FROM ir_model WHERE model LIKE 'collection.%'")
        problems += [f"model left behind: {name}" for (name,) in cr.fetchall()]
        cr.execute("SELECT count(*) FROM ir_model_data WHERE module = %s", [MODULE])
        if count := cr.fetchone()[0]:
            problems.append(f"{count} XML ids of {MODULE} left behind")
    return problems


class Counter:
    def __init__(self):
        self.failed = self.errors = self.run = 0
        self.skipped = []
        self.bad_lines = []
        self.in_test_failure = False
        self.saw_result = False

    def feed(self, line):
        match = LOG_LINE.match(line)
        if not match:
            return
        level, logger, msg = match["level"], match["logger"], match["msg"]
        if logger.startswith("odoo.tests.result") or logger.startswith("odoo.service.server"):
            result = RESULT.search(msg)
            if result and "when loading database" in msg:
                self.saw_result = True
                self.failed = int(result["failed"])
                self.errors = int(result["errors"])
                self.run = int(result["run"])
                return
        skipped = SKIPPED.match(msg)
        if skipped:
            self.skipped.append(skipped["test"])
            return
        if level in ("ERROR", "CRITICAL"):
            # A failing test logs its own ERROR ("FAIL: ..." / "ERROR: ..."); those are counted
            # through the final result line. Any other error line fails the run by itself.
            if msg.startswith(("FAIL:", "ERROR:")) or ".tests." in logger or "Module %s" in msg:
                return
            if re.match(r"Module \S+: \d+ failures, \d+ errors of \d+ tests", msg):
                return
            if RESULT.search(msg):
                return
            self.bad_lines.append(line.rstrip())
        elif level == "WARNING" and (MODULE in logger or MODULE in msg or OWN_MODEL.search(msg)):
            if any(p.search(line) for p in IGNORED_WARNINGS):
                return
            if ".tests." in logger:
                return
            self.bad_lines.append(line.rstrip())


def _worth_showing(line):
    """Test progress and problems, not every INFO line (the full log is kept in a file)."""
    match = LOG_LINE.match(line)
    if not match:
        # Continuation lines: tracebacks belong to the ERROR line before them; the rest is noise.
        return line.startswith((" ", "Traceback", "AssertionError", "odoo.")) and "Error" in line
    if match["level"] != "INFO":
        return True
    msg = match["msg"]
    return MODULE in match["logger"] and msg.startswith(("Starting ", "skipped ", "tour succeeded"))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--addon", required=True, type=Path)
    parser.add_argument("--counts-file", required=True, type=Path)
    parser.add_argument("--test-tags", default=f"/{MODULE}")
    opts = parser.parse_args()
    opts.counts_file.unlink(missing_ok=True)

    cache = Path(os.environ.get("ACCOUNT_COLLECTION_CACHE", Path.home() / ".cache" / MODULE))
    data_dir = cache / "odoo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    addons_path, links = addons_path_for(opts.odoo, opts.addon, "ac-addons-")
    template = ensure_template(opts.odoo, opts.addon, addons_path, data_dir, cache)
    test_db = f"ac_test_{os.getpid()}"
    copy_db(template, test_db, data_dir)

    log_path = Path(os.environ.get("ODOO_SUITE_LOG") or cache / "odoo-suite.log")
    counter = Counter()
    started = time.time()
    cmd = odoo_cmd(
        ["-d", test_db, "-i", MODULE, "--test-enable", "--test-tags", opts.test_tags, "--log-level", "info"],
        opts.odoo,
        addons_path,
        data_dir,
    )
    print("running:", " ".join(cmd[1:]), flush=True)
    try:
        with open(log_path, "w") as log_file:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout:
                log_file.write(line)
                counter.feed(line)
                if _worth_showing(line):
                    sys.stdout.write(line)
            returncode = proc.wait()
        # The addon must also leave a database as it found it: uninstall it and look (on full
        # runs; a run of some tests only, with --test-tags, skips it).
        whole = opts.test_tags == f"/{MODULE}"
        # Two real autopilot workers at once on the test database (whole runs, or on demand).
        concurrency_problems = None
        if whole or os.environ.get("CONCURRENCY_CHECK"):
            print("concurrency check: two autopilot workers at once on 300 customers", flush=True)
            concurrency_problems = concurrency_check.run(
                argparse.Namespace(
                    odoo=opts.odoo,
                    db=test_db,
                    addons_path=addons_path,
                    data_dir=str(data_dir),
                    customers=concurrency_check.CUSTOMERS,
                )
            )
            for problem in concurrency_problems:
                print("  " + problem[:2000])
            print(f"concurrency check: {'FAILED' if concurrency_problems else 'ok'}", flush=True)
        # The daily run through Odoo's scheduler: two prefork servers, several cron passes.
        cron_problems = None
        if whole or os.environ.get("CRON_CHECK"):
            print(
                f"cron check: two servers (--workers=2 --max-cron-threads=2) on {cron_check.CUSTOMERS} customers",
                flush=True,
            )
            cron_problems = cron_check.run(
                argparse.Namespace(
                    odoo=opts.odoo,
                    db=test_db,
                    addons_path=addons_path,
                    data_dir=str(data_dir),
                    customers=cron_check.CUSTOMERS,
                    batch=cron_check.BATCH,
                    limit=cron_check.LIMIT,
                    timeout=420,
                )
            )
            for problem in cron_problems:
                print("  " + problem[:2000])
            print(f"cron check: {'FAILED' if cron_problems else 'ok'}", flush=True)
        uninstall_problems = check_uninstall(opts.odoo, addons_path, data_dir, test_db) if whole else None
    finally:
        if not os.environ.get("KEEP_DB"):
            drop_db(test_db, data_dir)
        shutil.rmtree(links, ignore_errors=True)
    if uninstall_problems is None:
        pass
    elif uninstall_problems:
        print(f"\nuninstall of {MODULE}: FAILED")
        for problem in uninstall_problems:
            print("  " + problem[:500])
    else:
        print(f"uninstall of {MODULE}: clean (no table, column, model or XML id left)")

    skipped = len(counter.skipped)
    failed = counter.failed + counter.errors
    passed = max(counter.run - failed - skipped, 0)
    extra = 0
    # The concurrency and uninstall checks count as one more test each.
    if concurrency_problems:
        extra += 1
    elif concurrency_problems is not None:
        passed += 1
    if cron_problems:
        extra += 1
    elif cron_problems is not None:
        passed += 1
    if uninstall_problems:
        extra += 1
    elif uninstall_problems is not None:
        passed += 1
    if counter.bad_lines:
        print(
            f"\n{len(counter.bad_lines)} ERROR/CRITICAL line(s), or WARNING(s) about {MODULE}, outside tests:"
        )
        for line in counter.bad_lines:
            print("  " + line[:500])
        extra += 1
    if not counter.saw_result:
        print(f"odoo-bin exited {returncode} without a test result line: see {log_path}")
        extra += 1
    elif returncode != 0 and not failed:
        print(f"odoo-bin exited {returncode}: see {log_path}")
        extra += 1
    if counter.run == 0:
        print("the Odoo suite ran no test: that is a failure, not a pass")
        extra += 1
    for test in counter.skipped:
        print(f"skipped: {test}")
    print(f"odoo suite took {time.time() - started:.0f}s; full log: {log_path}")
    opts.counts_file.write_text(f"{passed} {failed + extra} {skipped}\n")
    return 1 if failed + extra else 0


if __name__ == "__main__":
    sys.exit(main())
