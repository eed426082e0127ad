from odoo import fields, models


class CollectionCall(models.TransientModel):
    _inherit = "collection.call"

    outcome = fields.Selection(
        selection_add=[("payment_plan", "Asks for a payment plan")], ondelete={"payment_plan": "set default"}
    )

    def action_confirm(self):
        result = super().action_confirm()
        if self.outcome == "payment_plan":
            # The call is logged; the collector goes on to agree on the terms.
            moves = self.move_ids or None
            result = self.env["collection.payment.plan.create"]._action_open(self.partner_id, moves)
        return result
