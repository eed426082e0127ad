from odoo import fields, models


class CollectionRunCursor(models.Model):
    """Where the second job of today's autopilot run stands on a company: it reminds customers
    down from the last one, and the first job stops there (see collection.autopilot._cron_run).

    Written by that job alone, in the transaction of each batch it sends: on a row of its own,
    not on the company, so that the two jobs never update the same row at the same time (the
    first job's cursor is on the company)."""

    _name = "collection.run.cursor"
    _description = "Collections autopilot: second worker's progress"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    date = fields.Date(string="Run of", readonly=True)
    cursor = fields.Integer(
        string="First customer done",
        readonly=True,
        help="The second worker reminds customers down from the last id; it stops where the autopilot has been.",
    )

    _company_unique = models.Constraint("UNIQUE(company_id)", "One cursor per company.")
