from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CollectionPause(models.TransientModel):
    """Pause the automatic reminders of customers until a date."""

    _name = "collection.pause"
    _description = "Pause Collection Reminders"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date_until = fields.Date(
        string="Pause until",
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=14),
        help="The autopilot resumes the day after this date.",
    )
    note = fields.Char(string="Reason", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") != "res.partner" or not self.env.context.get("active_ids"):
            raise UserError(self.env._("Select the customers to pause in the Collections list first."))
        values["partner_ids"] = [fields.Command.set(self.env.context["active_ids"])]
        return values

    @api.constrains("date_until")
    def _check_date_until(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.date_until < today:
                raise ValidationError(self.env._("The pause must end today or later."))

    def action_confirm(self):
        self.ensure_one()
        # The pause is collections data on the customer: clerks set it without the right to edit
        # the customer's other data (the wizard itself is reserved to collection users).
        partners = self.partner_ids.commercial_partner_id.with_company(self.env.company).sudo()
        partners.write({"collection_pause_until": self.date_until, "collection_pause_note": self.note})
        messages = partners._message_log_batch(
            author_id=self.env.user.partner_id.id,
            bodies={
                partner.id: Markup("<p>%s</p>")
                % self.env._(
                    "Collection reminders paused until %(date)s: %(reason)s",
                    date=self.date_until,
                    reason=self.note,
                )
                for partner in partners
            },
        )
        # The timeline finds pauses by their subtype.
        messages.subtype_id = self.env.ref("account_collection.mt_collection_pause")
        partners._collection_refresh_status()
        return {"type": "ir.actions.act_window_close"}
