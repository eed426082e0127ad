from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class CollectionCharge(models.TransientModel):
    """Charge fees and interest: from invoices, from customers or from the cockpit's selection."""

    _name = "collection.charge"
    _description = "Charge Fees and Interest"

    move_ids = fields.Many2many("account.move", string="Late invoices")
    date = fields.Date(
        string="Interest up to",
        required=True,
        default=fields.Date.context_today,
        help="Interest is charged up to this day included, from the day after the due date or after "
        "the last day already charged.",
    )
    include_fees = fields.Boolean(
        string="Fees of the reminders sent",
        default=True,
        help="Also charge the fees of the levels already sent about these invoices (once per level).",
    )
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        ids = self.env.context.get("active_ids") or []
        if model not in ("account.move", "res.partner") or not ids:
            raise UserError(self.env._("Select late invoices or customers to charge fees and interest."))
        if "move_ids" in fields_list:
            records = self.env[model].browse(ids)
            if model == "res.partner":
                day = fields.Date.to_date(values.get("date")) or fields.Date.context_today(self)
                records = self.env["account.move"].search(
                    self.env["account.move"]._collection_chargeable_domain(records, day)
                )
            values["move_ids"] = [fields.Command.set(records.ids)]
        return values

    def _claims(self):
        self.ensure_one()
        claims = self.move_ids._collection_claims(self.date)
        if self.include_fees:
            for level, moves in self.move_ids._collection_fee_levels().items():
                for move, extra in moves._collection_claims(
                    self.date, interest=False, compensation_=False, fee_level=level
                ).items():
                    claims.setdefault(move, []).extend(extra)
        return claims

    @api.depends("move_ids", "date", "include_fees")
    def _compute_preview(self):
        for wizard in self:
            try:
                claims = wizard._claims() if wizard.move_ids and wizard.date else {}
            except UserError as error:
                wizard.preview = Markup("<p class='text-danger'>%s</p>") % error.args[0]
                continue
            rows = [
                Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
                % (
                    self.env["collection.claim"]._describe(vals, move.currency_id),
                    format_amount(self.env, vals["amount"], move.currency_id),
                )
                for move, move_claims in claims.items()
                for vals in move_claims
            ]
            wizard.preview = (
                Markup("<table class='table table-sm'>%s</table>") % Markup("").join(rows)
                if rows
                else Markup("<p>%s</p>")
                % escape(self.env._("Nothing to charge: every claim is already charged."))
            )

    def action_charge(self):
        self.ensure_one()
        fee_levels = self.move_ids._collection_fee_levels() if self.include_fees else None
        charges = self.move_ids._collection_charge(self.date, fee_levels)
        if not charges:
            raise UserError(
                self.env._("Nothing to charge: every claim of these invoices is already charged.")
            )
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", charges.ids)]
        if len(charges) == 1:
            action.update({"res_id": charges.id, "view_mode": "form", "views": [(False, "form")]})
        return action
