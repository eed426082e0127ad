"""Make ``account_collection.tools`` importable without Odoo.

The repository root is the addon, and its ``__init__.py`` imports Odoo. Registering a bare
package module named ``account_collection`` whose path is the repository root lets Python
find ``account_collection.tools`` there without ever running that ``__init__.py``.
"""

import sys
import types
from pathlib import Path

from hypothesis import settings

ADDON_ROOT = Path(__file__).resolve().parent.parent

if "account_collection" not in sys.modules:
    package = types.ModuleType("account_collection")
    package.__path__ = [str(ADDON_ROOT)]
    sys.modules["account_collection"] = package

# A shared CI machine can be slow on a first call (num2words loads its languages lazily):
# judge the properties, not the timing.
settings.register_profile("pure", deadline=None)
settings.load_profile("pure")
