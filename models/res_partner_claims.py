from odoo import fields, models

from .res_company_claims import CLAIM_RULES, CUSTOMER_TYPES


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_claim_rule = fields.Selection(
        CLAIM_RULES,
        string="Late-payment claims rule",
        company_dependent=True,
        help="Overrides the company's rule for this customer (empty: the company's).",
    )
    collection_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Business or consumer",
        company_dependent=True,
        help="Overrides the company's default for this customer (empty: the company's).",
    )

    def _collection_claim_rules(self, company):
        """{commercial partner: (rule, customer type)} in `company`."""
        partners = self.commercial_partner_id.with_company(company)
        return {
            partner: (
                partner.collection_claim_rule or company.collection_claim_rule,
                partner.collection_customer_type or company.collection_customer_type,
            )
            for partner in partners
        }

    def action_collection_charge(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_charge_action"
        ) | {"context": {"active_model": "res.partner", "active_ids": self.commercial_partner_id.ids}}

    def _collection_statement_claims(self, today):
        """The claims not invoiced yet on the customer's overdue invoices, for his statement."""
        self.ensure_one()
        today = fields.Date.to_date(today) or fields.Date.context_today(self)
        partner = self.commercial_partner_id
        company = self.env.company
        rule, _customer_type = partner._collection_claim_rules(company)[partner]
        if rule == "none":
            return {}
        moves = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", partner.id),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", today),
            ]
        )
        totals = {}
        for currency, currency_moves in moves.grouped("currency_id").items():
            totals[currency] = currency.round(sum(currency_moves.mapped("amount_residual")))
        lang = partner.lang or self.env.lang or "en_US"
        return self.env["account.move"]._collection_claim_block(moves, today, lang, totals)
