"""Static checks on the addon's data files.

- every XML and CSV file parses;
- every data/demo file is listed in the manifest, and every listed file exists;
- every model declared in Python has at least one access rule;
- every XML id is defined once.
"""

import ast
import csv
import re
import sys
from pathlib import Path

from lxml import etree

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
manifest = ast.literal_eval((root / "__manifest__.py").read_text())
errors = []

listed = set(manifest.get("data", [])) | set(manifest.get("demo", []))
for name in sorted(listed):
    if not (root / name).is_file():
        errors.append(f"{name}: listed in the manifest but missing")

xml_ids = {}
skip_dirs = {".git", ".venv", "static", "node_modules", "build", "dist"}
for path in sorted(root.rglob("*")):
    rel = path.relative_to(root)
    if path.is_dir() or any(part in skip_dirs for part in rel.parts):
        continue
    if path.suffix == ".xml":
        try:
            tree = etree.parse(str(path))
        except etree.XMLSyntaxError as exc:
            errors.append(f"{rel}: does not parse: {exc}")
            continue
        for node in tree.iter("record", "template", "menuitem"):
            xml_id = node.get("id")
            if xml_id and "." not in xml_id:
                if xml_id in xml_ids:
                    errors.append(f"{rel}: XML id {xml_id} already defined in {xml_ids[xml_id]}")
                xml_ids[xml_id] = rel
    elif path.suffix == ".csv":
        try:
            with path.open(newline="") as handle:
                rows = list(csv.reader(handle))
            if len({len(row) for row in rows if row}) > 1:
                errors.append(f"{rel}: rows with different column counts")
        except csv.Error as exc:
            errors.append(f"{rel}: does not parse: {exc}")
    else:
        continue
    top = rel.parts[0]
    if top in ("data", "demo", "security", "views", "wizards", "reports") and str(rel) not in listed:
        errors.append(f"{rel}: not listed in the manifest's data or demo")

declared = set()
for py in root.rglob("*.py"):
    if any(part in skip_dirs for part in py.relative_to(root).parts):
        continue
    text = py.read_text()
    # A class that declares `_name` first in its body creates a model (not only extends one).
    pattern = r"class \w+\(models\.(?:Model|TransientModel)\):\n(?:.*\n){0,3}?\s+_name = \"([\w.]+)\""
    declared.update(match.group(1) for match in re.finditer(pattern, text))
access_csv = root / "security" / "ir.model.access.csv"
with access_csv.open(newline="") as handle:
    covered = {row["model_id:id"].split(".")[-1] for row in csv.DictReader(handle)}
for model in sorted(declared):
    if "model_" + model.replace(".", "_") not in covered:
        errors.append(f"{model}: no access rule in security/ir.model.access.csv")

for error in errors:
    print(error)
print(f"{len(listed)} manifest files, {len(xml_ids)} XML ids, {len(declared)} models checked")
sys.exit(1 if errors else 0)
