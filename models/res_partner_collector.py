from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        compute="_compute_collection_collector_id",
        help="Who follows the customer up and signs his reminders: his collections responsible, else his "
        "salesperson, else the company's default responsible.",
    )

    @api.depends_context("company")
    @api.depends("collection_responsible_id", "user_id")
    def _compute_collection_collector_id(self):
        saved = self.filtered("id")
        collectors = (
            self.env["collection.autopilot"].sudo()._responsibles(saved._origin, self.env.company)
            if saved
            else {}
        )
        for partner in self:
            partner.collection_collector_id = collectors.get(partner._origin.id, self.env["res.users"])
