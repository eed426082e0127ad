from odoo import models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _handle_call_result_hook(self, results):
        # Reminder SMS: record in the collections history whether they went out.
        communications = (
            self.env["collection.communication"]
            .sudo()
            .search([("sms_id", "in", self.ids), ("sms_state", "=", "queued")])
        )
        for comm in communications:
            if comm.sms_id.state == "error":
                comm.sms_state = "failed"
                comm.error = self.env._("SMS not sent: %(reason)s", reason=comm.sms_id.failure_type)
            elif comm.sms_id.state in ("pending", "sent"):
                comm.sms_state = "sent"
        return super()._handle_call_result_hook(results)
