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
        if communications:
            if failure_type:
                communications._mark_email_failed(failure_reason or failure_type)
            else:
                communications.email_state = "sent"
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )
