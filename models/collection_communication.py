from odoo import api, fields, models
from odoo.tools import SQL


class CollectionCommunication(models.Model):
    """One reminder sent to one customer: the history of what was said, when and how."""

    _name = "collection.communication"
    _description = "Collection Communication"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    date = fields.Date(required=True, index=True, readonly=True)
    level_id = fields.Many2one(
        "collection.level", required=True, readonly=True, index=True, check_company=True
    )
    tone = fields.Selection(related="level_id.tone")
    is_final_notice = fields.Boolean(related="level_id.is_final_notice")
    manual = fields.Boolean(readonly=True, help="Sent by hand rather than by the autopilot.")
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    line_ids = fields.One2many(
        "collection.communication.line", "communication_id", string="Invoices", readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_overdue = fields.Monetary(readonly=True, help="Overdue amount covered, in company currency.")
    amount_due = fields.Monetary(
        readonly=True, help="Everything the customer owes, credits deducted, in company currency."
    )

    # Channels, each with its own progress.
    channel_email = fields.Boolean(string="Email", readonly=True)
    channel_sms = fields.Boolean(string="SMS", readonly=True)
    channel_letter = fields.Boolean(string="Letter", readonly=True)
    channel_call = fields.Boolean(string="Call", readonly=True)
    channel_alert = fields.Boolean(string="Alert", readonly=True)
    email_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")], readonly=True, copy=False
    )
    sms_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")], readonly=True, copy=False
    )
    letter_state = fields.Selection([("to_print", "To print"), ("sent", "Sent")], readonly=True, copy=False)
    mail_message_id = fields.Many2one(
        "mail.message", string="Email message", readonly=True, index="btree_not_null"
    )
    sms_id = fields.Many2one("sms.sms", string="SMS record", readonly=True, index="btree_not_null")
    registered_letter = fields.Boolean()
    tracking_number = fields.Char(help="Tracking number of the registered letter.")
    letter_attachment_id = fields.Many2one("ir.attachment", string="Letter PDF", readonly=True)
    fallback_note = fields.Text(readonly=True, help="Channels replaced because contact data was missing.")
    error = fields.Text(readonly=True)
    cancelled = fields.Boolean(readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")],
        compute="_compute_state",
        store=True,
        index=True,
    )

    def init(self):
        # The last line of defence against double sending: two workers, or two runs on one day,
        # can never both record the same automatic level for the same customer.
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS collection_communication_unique_auto
                   ON collection_communication (company_id, partner_id, level_id, date)
                   WHERE state IN ('queued', 'sent') AND manual IS NOT TRUE"""
            )
        )

    @api.depends("cancelled", "error", "email_state", "sms_state", "letter_state")
    def _compute_state(self):
        for comm in self:
            states = {comm.email_state, comm.sms_state, comm.letter_state} - {False}
            if comm.cancelled:
                comm.state = "cancelled"
            elif comm.error or "failed" in states:
                comm.state = "failed"
            elif states & {"queued", "to_print"}:
                comm.state = "queued"
            else:
                comm.state = "sent"

    @api.depends("partner_id", "level_id", "date")
    def _compute_display_name(self):
        for comm in self:
            comm.display_name = f"{comm.level_id.name} - {comm.partner_id.name} - {comm.date}"

    def _portal_link(self):
        """Where the customer pays: the portal page of the oldest overdue invoice."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.amount_residual > 0 and line.move_id.access_token)
        move = lines[:1].move_id
        return move.get_base_url() + move.get_portal_url() if move else ""

    def _mark_email_failed(self, reason):
        """The reminder email failed or bounced: record it and tell the responsible."""
        self.write({"email_state": "failed", "error": reason})
        todo = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": comm.partner_id.id,
                    "activity_type_id": todo.id,
                    "summary": self.env._("Reminder email failed"),
                    "note": self.env._(
                        "The reminder “%(level)s” could not be delivered to %(email)s: %(reason)s. "
                        "Check the address, then send it again or call the customer.",
                        level=comm.level_id.name,
                        email=comm.partner_id.email or "-",
                        reason=reason,
                    ),
                    "user_id": comm.user_id.id or self.env.user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
                for comm in self
            ]
        )

    def action_mark_letter_sent(self):
        """The printed letters went into the post."""
        letters = self.filtered(lambda comm: comm.letter_state == "to_print")
        letters.letter_state = "sent"
        return True

    def action_cancel(self):
        self.filtered(lambda comm: comm.state == "queued").cancelled = True
        return True


class CollectionCommunicationLine(models.Model):
    _name = "collection.communication.line"
    _description = "Collection Communication Line"
    _order = "date_due, id"

    communication_id = fields.Many2one(
        "collection.communication", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="communication_id.company_id", store=True)
    move_id = fields.Many2one("account.move", string="Document", required=True, index=True)
    level_id = fields.Many2one("collection.level", help="The level this document reached.")
    date_due = fields.Date(string="Due date")
    days_late = fields.Integer()
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company currency")
    currency_id = fields.Many2one("res.currency")
    amount_residual = fields.Monetary(string="Due", currency_field="company_currency_id")
    amount_residual_currency = fields.Monetary(string="Due in currency", currency_field="currency_id")
