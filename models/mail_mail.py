from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, success_emails, failure_reason=False, failure_type=None
    ):
        # Reminder emails: record in the collections history whether they went out, and tell the
        # responsible when they did not.
        communications = (
            self.env["collection.communication"]
            .sudo()
            .search([("mail_message_id", "in", self.mail_message_id.ids), ("email_state", "=", "queued")])
        )
        for comm in communications:
            # The copy to the responsible may fail alone: what counts is the customer's contact.
            contact = self.env["collection.autopilot"]._email_contact(comm.partner_id)
            if failure_type and contact.id not in (success_pids or []):
                comm._mark_email_failed(comm._email_failure_text(failure_type, failure_reason))
            else:
                comm.email_state = "sent"
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )
