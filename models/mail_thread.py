from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        # A bounce names the message it returns: only the reminder sent as that message did not
        # arrive. Another email to the same customer bouncing says nothing about the reminders.
        bounced_message = message_dict.get("bounced_message")
        if bounced_message:
            communications = (
                self.env["collection.communication"]
                .sudo()
                .search(
                    [
                        ("mail_message_id", "in", bounced_message.ids),
                        ("email_state", "in", ("queued", "sent")),
                    ]
                )
            )
            if communications:
                communications._mark_email_failed(
                    self.env._(
                        "the email to %(email)s bounced: the address does not exist or the mailbox refused it",
                        email=message_dict.get("bounced_email") or "-",
                    )
                )
        return super()._routing_handle_bounce(email_message, message_dict)
