from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _track_subtype(self, init_values):
        # The write-off reconciles the invoice with a bad-debt entry, so Odoo's payment state
        # becomes Paid (as the portal shows it); the chatter must not say it was paid.
        self.ensure_one()
        if (
            "payment_state" in init_values
            and self.payment_state == "paid"
            and self.collection_status == "written_off"
        ):
            return self.env.ref("account_collection.mt_invoice_written_off")
        return super()._track_subtype(init_values)
