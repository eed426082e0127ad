from . import controllers
from . import models
from . import wizards


def _post_init_hook(env):
    """Give every existing company the shipped Standard policy as its default."""
    standard = env.ref("account_collection.collection_policy_standard")
    env["res.company"].search([("collection_policy_id", "=", False)]).collection_policy_id = standard
    # Journal and accounts of the provisions and write-offs, for the companies that already have a
    # chart of accounts (new charts get them when they are loaded).
    for company in env["res.company"].search([("chart_template", "!=", False)]):
        env["account.chart.template"]._collection_setup_company(company)


def _uninstall_hook(env):
    """The reminder history goes with the addon's tables; it refers to the shipped levels, which
    Odoo deletes first: delete the history before, or the levels' deletion is refused."""
    env.cr.execute("DELETE FROM collection_communication_line")
    env.cr.execute("DELETE FROM collection_communication")
