from datetime import date as Date

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

# A pause "by hand" without an end: the collector resumes the customer when he decides.
UNTIL_RESUMED = Date(2999, 12, 31)


class CollectionInsolvency(models.Model):
    """A customer's bankruptcy or insolvency proceedings in one company: every reminder stops."""

    _name = "collection.insolvency"
    _description = "Customer insolvency"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "partner_id"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
    )
    date = fields.Date(
        string="Insolvency date", required=True, default=fields.Date.context_today, tracking=True
    )
    trustee_id = fields.Many2one(
        "res.partner",
        tracking=True,
        help="The trustee or administrator of the proceedings.",
    )
    claim_deadline = fields.Date(string="Claims due by", tracking=True)
    case_number = fields.Char(tracking=True)
    court = fields.Char()
    note = fields.Html()
    state = fields.Selection(
        [("active", "Insolvent"), ("lifted", "Lifted")],
        default="active",
        required=True,
        readonly=True,
        tracking=True,
    )
    lifted_date = fields.Date(readonly=True)
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Open invoices", help="The claims: open invoices."
    )
    amount_claimed = fields.Monetary(compute="_compute_move_ids", currency_field="company_currency_id")
    company_currency_id = fields.Many2one(related="company_id.currency_id")

    _partner_company_active_unique = models.UniqueIndex(
        "(partner_id, company_id) WHERE state = 'active'",
        "A customer is marked insolvent once per company: lift the current insolvency first.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_move_ids(self):
        for insolvency in self:
            moves = self.env["account.move"].search(
                insolvency._claim_domain(), order="invoice_date_due, name"
            )
            insolvency.move_ids = moves
            insolvency.amount_claimed = sum(moves.mapped("amount_residual_signed"))

    def _claim_domain(self):
        self.ensure_one()
        return [
            ("company_id", "=", self.company_id.id),
            ("commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]

    @api.model
    def _active_by_company(self):
        """{company id: customer ids} of the insolvencies not lifted, whatever the user may read."""
        result = {}
        for company, partners in self.sudo()._read_group(
            [("state", "=", "active")], ["company_id"], ["partner_id:recordset"]
        ):
            result[company.id] = partners.ids
        return result

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for insolvency in records:
            insolvency.partner_id.sudo()._message_log(
                body=Markup("%s %s")
                % (self.env._("Marked insolvent: every reminder stops."), insolvency._get_html_link())
            )
        records.partner_id.with_company(records.company_id[:1])._collection_refresh_status()
        return records

    def action_lift(self):
        """The proceedings are over: nothing resumes by itself, the customer stays paused."""
        for insolvency in self.filtered(lambda record: record.state == "active"):
            insolvency.write({"state": "lifted", "lifted_date": fields.Date.context_today(self)})
            partner = insolvency.partner_id.sudo().with_company(insolvency.company_id)
            partner.write(
                {
                    "collection_pause_until": UNTIL_RESUMED,
                    "collection_pause_note": self.env._("Insolvency lifted: resume the reminders by hand."),
                }
            )
            insolvency.message_post(
                body=self.env._(
                    "Insolvency lifted. The reminders stay paused until a collector resumes them."
                )
            )
            partner.with_company(insolvency.company_id)._collection_refresh_status()
        return True

    def action_print_claim(self):
        self.ensure_one()
        if not self.move_ids:
            raise UserError(
                self.env._(
                    "%(customer)s owes nothing open: there is no claim to file.",
                    customer=self.partner_id.display_name,
                )
            )
        return self.env.ref("account_collection.action_report_collection_claim").report_action(self)

    def action_provision(self):
        """Offer the 100% doubtful-debt provision of every open invoice (the accountant confirms)."""
        self.ensure_one()
        moves = self.move_ids.filtered(
            lambda move: move.collection_status not in ("written_off", "recovered")
        )
        if not moves:
            raise UserError(
                self.env._(
                    "No open invoice of %(customer)s to provide for.", customer=self.partner_id.display_name
                )
            )
        action = moves._collection_wizard_action("account_collection.collection_doubtful_action")
        action["context"] = dict(
            action["context"],
            default_amount_mode="residual",
            default_reason=self.env._("Insolvency %(case)s", case=self.case_number or self.partner_id.name),
        )
        return action

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", self.move_ids.ids)]
        action["context"] = {"create": False}
        return action

    def _claim_values(self):
        """What the proof of claim lists, per currency: every open invoice with its amounts."""
        self.ensure_one()
        rows = []
        for move in self.move_ids:
            rows.append(
                {
                    "move": move,
                    "date": move.invoice_date,
                    "date_due": move.invoice_date_due,
                    "currency": move.currency_id,
                    "total": move.amount_total,
                    "residual": move.amount_residual,
                    "days_late": max((self.date - move.invoice_date_due).days, 0)
                    if move.invoice_date_due
                    else 0,
                }
            )
        totals = {}
        for row in rows:
            totals[row["currency"]] = totals.get(row["currency"], 0.0) + row["residual"]
        return {"rows": rows, "totals": list(totals.items()), "interest": self._claim_interest(totals)}

    def _claim_interest(self, totals):
        """The statutory interest not charged yet on the open invoices, up to the insolvency date,
        under the customer's claim rule: stated on the proof of claim, charged to nobody. A
        half-year without a published rate is announced by a note instead of a zero."""
        self.ensure_one()
        lang = self.trustee_id.lang or self.env.lang or "en_US"
        return (
            self.env["account.move"]
            .with_company(self.company_id)
            ._collection_claim_block(self.move_ids, self.date, lang, totals, compensation_=False)
        )
