from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionClaimWaive(models.TransientModel):
    _name = "collection.claim.waive"
    _description = "Waive Fees and Interest"

    move_ids = fields.Many2many("account.move")
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") != "account.move" or not self.env.context.get("active_ids"):
            raise UserError(self.env._("Open an invoice or a charge invoice to waive its fees and interest."))
        values["move_ids"] = [fields.Command.set(self.env.context["active_ids"])]
        return values

    def action_waive(self):
        self.ensure_one()
        self.move_ids._collection_waive(self.reason)
        return {"type": "ir.actions.act_window_close"}
