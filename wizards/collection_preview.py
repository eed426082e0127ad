from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CollectionPreview(models.TransientModel):
    """What "Send reminder now" would send to the selected customers, and why nothing would go
    to the others."""

    _name = "collection.preview"
    _description = "Preview Collection Reminders"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    line_ids = fields.One2many("collection.preview.line", "preview_id", string="Reminders")
    skipped_note = fields.Text(string="Not sent", readonly=True)
    # The first customer's message, shown at once: what the reminder will say.
    message_title = fields.Char(readonly=True)
    message_subject = fields.Char(string="Subject", readonly=True)
    message_body = fields.Html(string="Message", readonly=True, sanitize=False)
    message_sms = fields.Text(string="SMS", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") != "res.partner" or not self.env.context.get("active_ids"):
            raise UserError(self.env._("Select the customers to preview in the Collections list first."))
        if not self.env.user.has_group("account_collection.group_collection_user"):
            raise AccessError(self.env._("Only collection users can preview reminders."))
        partners = self.env["res.partner"].browse(self.env.context["active_ids"]).commercial_partner_id
        partners.check_access("read")
        # The preview writes reminders as for real, then rolls them back: as the autopilot does,
        # as superuser, since users cannot create reminder history.
        previews, skipped = self.env["collection.autopilot"].sudo()._preview(self.env.company, partners)
        if not previews:
            raise UserError(
                self.env._(
                    "Nothing to send to the selected customers:\n%(reasons)s",
                    reasons="\n".join(f"- {partner.display_name}: {why}" for partner, why in skipped.items()),
                )
            )
        values["partner_ids"] = [fields.Command.set(partners.ids)]
        values["line_ids"] = [fields.Command.create(preview) for preview in previews]
        first = previews[0]
        values.update(
            message_title=self.env._(
                "What %(customer)s receives",
                customer=self.env["res.partner"].browse(first["partner_id"]).display_name,
            ),
            message_subject=first["email_subject"] or False,
            message_body=first["email_body"] or False,
            message_sms=first["sms_body"] or False,
        )
        values["skipped_note"] = "\n".join(
            f"{partner.display_name}: {why}" for partner, why in skipped.items()
        )
        return values

    def action_send(self):
        self.ensure_one()
        return self.line_ids.partner_id.action_collection_send_now()


class CollectionPreviewLine(models.TransientModel):
    _name = "collection.preview.line"
    _description = "Preview of one Collection Reminder"

    preview_id = fields.Many2one("collection.preview", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("collection.level", readonly=True)
    planned = fields.Char(string="The autopilot plans", readonly=True)
    channels = fields.Char(readonly=True)
    fallback_note = fields.Text(readonly=True)
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    amount_overdue = fields.Monetary(string="Claimed", readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    email_subject = fields.Char(readonly=True)
    email_body = fields.Html(readonly=True, sanitize=False)
    sms_body = fields.Text(string="SMS", readonly=True)


class CollectionSendConfirm(models.TransientModel):
    """ "Send now" for customers who already received a reminder today: say what, then send."""

    _name = "collection.send.confirm"
    _description = "Confirm Sending Another Reminder Today"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    message = fields.Text(string="Already sent today", readonly=True)

    def action_confirm(self):
        self.ensure_one()
        return self.partner_ids._collection_send_now()
