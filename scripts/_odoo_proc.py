"""The ``odoo-bin shell`` command line the benchmark and check scripts run their Odoo code in."""

import sys
from pathlib import Path


def shell_cmd(odoo, addons_path, data_dir, db):
    """``odoo-bin shell`` on `db`, no HTTP, warnings only: the script comes on its stdin."""
    return [
        sys.executable,
        str(Path(odoo) / "odoo-bin"),
        "shell",
        "--addons-path",
        addons_path,
        "--data-dir",
        str(data_dir),
        "-d",
        db,
        "--no-http",
        "--log-level",
        "warn",
    ]
