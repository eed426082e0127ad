"""Pure-Python helpers of account_collection: money splitting, schedules, interest,
creditor references and amounts in words.

Nothing in this package imports Odoo, so it can be unit-tested without a database
(see ``tests_pure/``). Submodules are imported explicitly by their users, e.g.
``from odoo.addons.account_collection.tools import money``.
"""
