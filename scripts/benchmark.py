"""Driver of scripts/benchmark: a database per size, the addon installed, then
scripts/benchmark_run.py inside ``odoo-bin shell`` generates the data and measures."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _odoo_proc
import odoo_suite


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
        finally:
            if not os.environ.get("KEEP_DB"):
                odoo_suite.drop_db(db, data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
