from . import models
from . import wizards


def _post_init_hook(env):
    """Give every existing company the shipped Standard policy as its default."""
    standard = env.ref("account_collection.collection_policy_standard")
    env["res.company"].search([("collection_policy_id", "=", False)]).collection_policy_id = standard
