from odoo import api, fields, models
from odoo.exceptions import ValidationError

TONES = [
    ("courtesy", "Courtesy (before due)"),
    ("friendly", "Friendly"),
    ("firm", "Firm"),
    ("urgent", "Immediate attention"),
    ("formal", "Formal notice"),
]


class CollectionLevel(models.Model):
    """One step of a policy: reached `offset_days` after the due date, it drives the channels."""

    _name = "collection.level"
    _description = "Collection Level"
    _order = "policy_id, offset_days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    policy_id = fields.Many2one("collection.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    offset_days = fields.Integer(
        string="Days after due date",
        required=True,
        help="Days after the due date when this level is reached; negative for a courtesy "
        "reminder before the due date.",
    )
    tone = fields.Selection(TONES, required=True, default="friendly")
    is_final_notice = fields.Boolean(
        string="Final notice",
        help="A formal demand: the letter states a deadline and the legal consequences.",
    )
    # Channels: a level may use several at once.
    send_email = fields.Boolean(string="Email", default=False)
    send_sms = fields.Boolean(string="SMS", default=False)
    send_letter = fields.Boolean(string="Printed letter", default=False)
    payment_deadline_days = fields.Integer(
        string="Payment deadline",
        default=14,
        help="Days the firm reminders and the final notice give the customer to pay, counted from the "
        "date of the letter; the letter states the resulting date.",
    )
    registered_letter = fields.Boolean(
        help="The letter must go by registered post; its tracking number is recorded when sent."
    )
    create_call = fields.Boolean(string="Phone call", default=False)
    send_alert = fields.Boolean(
        string="Internal alert",
        default=False,
        help="Schedule an activity for the collections responsible and the salesperson.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "collection.communication")],
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        domain=[("model", "=", "collection.communication")],
    )
    attach_invoices = fields.Boolean(
        string="Attach invoice PDFs",
        help="Attach the overdue invoices' PDFs to the email (reusing the ones already stored).",
    )
    call_script = fields.Html(translate=True, help="What the caller says, shown in the call task.")
    alert_note = fields.Text(translate=True, help="Shown in the internal alert.")
    suggest_handover = fields.Boolean(
        string="Suggest hand-over",
        help="Flag the customer as ready to be handed over to a collection agency or lawyer.",
    )
    suggest_doubtful = fields.Boolean(
        help="Flag the invoices for the accountant as candidates for a doubtful-debt provision."
    )

    _offset_unique = models.Constraint(
        "UNIQUE(policy_id, offset_days)",
        "Two levels of one policy cannot share the same number of days.",
    )

    @api.constrains("offset_days", "policy_id")
    def _check_one_courtesy_level(self):
        for policy in self.policy_id:
            before = policy.level_ids.filtered(lambda level: level.offset_days <= 0)
            if len(before) > 1:
                raise ValidationError(
                    self.env._(
                        "The policy “%(policy)s” has %(count)s levels on or before the due date: keep one "
                        "courtesy reminder (the others would never be sent).",
                        policy=policy.name,
                        count=len(before),
                    )
                )

    @api.constrains("send_email", "send_sms", "send_letter", "create_call", "send_alert")
    def _check_channels(self):
        for level in self:
            if not (
                level.send_email
                or level.send_sms
                or level.send_letter
                or level.create_call
                or level.send_alert
            ):
                raise ValidationError(
                    self.env._(
                        "The level “%(level)s” has no channel: tick at least one of email, SMS, "
                        "printed letter, phone call or internal alert.",
                        level=level.name,
                    )
                )
