from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Where today's cron run of the autopilot stands, so that a run cut by the cron's time limit
    # goes on with the next customer: written in the transaction of each batch it sends.
    collection_run_date = fields.Date(string="Autopilot run of", readonly=True, copy=False)
    collection_run_cursor = fields.Integer(
        string="Autopilot run: last customer done",
        readonly=True,
        copy=False,
        help="Customers are reminded in order of id; the next pass of today's run starts after this one.",
    )
