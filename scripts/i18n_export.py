"""Export the addon's translation template (.pot) with ``odoo-bin i18n export``.

Called by ``scripts/i18n`` with the Python of the Odoo virtualenv. Without ``--database`` it
copies the template database of ``scripts/test`` (built once, with the addon's dependencies),
installs the addon from this checkout, exports, and drops the copy.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from odoo_suite import (
    MODULE,
    addons_path_for,
    copy_db,
    drop_db,
    ensure_template,
    odoo_cmd,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo", required=True, type=Path)
    parser.add_argument("--addon", required=True, type=Path)
    parser.add_argument("--pot", required=True, type=Path)
    parser.add_argument("--database")
    opts = parser.parse_args()

    cache = Path(os.environ.get("ACCOUNT_COLLECTION_CACHE", Path.home() / ".cache" / MODULE))
    data_dir = cache / "odoo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    addons_path, links = addons_path_for(opts.odoo, opts.addon, "ac-i18n-")
    database = opts.database
    temporary = not database
    try:
        if temporary:
            template = ensure_template(opts.odoo, opts.addon, addons_path, data_dir, cache)
            database = f"ac_i18n_{os.getpid()}"
            copy_db(template, database, data_dir)
            print(f"installing {MODULE} in {database}", flush=True)
            subprocess.run(
                odoo_cmd(
                    ["-d", database, "-i", MODULE, "--log-level", "warn"], opts.odoo, addons_path, data_dir
                ),
                check=True,
            )
        # `odoo-bin i18n` reads its settings from a configuration file only.
        config = links / "odoo.conf"
        config.write_text(f"[options]\naddons_path = {addons_path}\ndata_dir = {data_dir}\n")
        subprocess.run(
            [
                sys.executable,
                str(opts.odoo / "odoo-bin"),
                "i18n",
                "export",
                "-c",
                str(config),
                "-d",
                database,
                "-l",
                "pot",
                "-o",
                str(opts.pot),
                MODULE,
            ],
            check=True,
        )
        print(f"wrote {opts.pot}", flush=True)
    finally:
        if temporary and database:
            drop_db(database, data_dir)
        shutil.rmtree(links, ignore_errors=True)


if __name__ == "__main__":
    main()
