from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .res_partner import COLLECTION_FIELD_GROUPS

RECEIVER_KINDS = [
    ("agency", "Collection agency"),
    ("lawyer", "Lawyer"),
    ("factor", "Factoring company"),
]
# The accounts each kind of receiver needs (res.company defaults, overridden on the receiver).
RECEIVER_ACCOUNTS = {
    "agency": ["collection_commission_account_id"],
    "lawyer": ["collection_commission_account_id"],
    "factor_no_recourse": [
        "collection_factor_receivable_account_id",
        "collection_factor_fee_account_id",
        "collection_factor_reserve_account_id",
    ],
    "factor_recourse": [
        "collection_factor_receivable_account_id",
        "collection_factor_fee_account_id",
        "collection_factor_liability_account_id",
    ],
}

# Who receives hand-overs, on what terms, and on which accounts they are booked: set by the
# Collections managers (the rates) and the accounting managers (journal and accounts), not by
# everyone who may edit contacts. Same guard as the collections data of res_partner.py.
RECEIVER_FIELD_GROUPS = dict.fromkeys(
    (
        "collection_receiver_kind",
        "collection_commission_rate",
        "collection_advance_rate",
        "collection_factoring_fee_rate",
        "collection_dossier_partner_id",
    ),
    "account_collection.group_collection_manager",
) | dict.fromkeys(
    (
        "collection_receiver_journal_id",
        "collection_commission_account_id",
        "collection_factor_receivable_account_id",
        "collection_factor_reserve_account_id",
        "collection_factor_fee_account_id",
        "collection_factor_liability_account_id",
    ),
    "account.group_account_manager",
)
COLLECTION_FIELD_GROUPS.update(RECEIVER_FIELD_GROUPS)


class ResPartner(models.Model):
    _inherit = "res.partner"

    collection_pause_reason = fields.Selection(
        selection_add=[("insolvency", "Customer insolvent"), ("handover", "Handed over"), ("excluded",)]
    )
    collection_receiver_kind = fields.Selection(
        RECEIVER_KINDS,
        string="Receives hand-overs as",
        help="Collection agencies and lawyers collect invoices for a commission; factoring companies buy them.",
    )
    collection_commission_rate = fields.Float(
        string="Default commission (%)",
        digits=(5, 2),
        help="Share of what the agency or lawyer recovers that it keeps.",
    )
    collection_advance_rate = fields.Float(
        string="Default advance rate (%)",
        digits=(5, 2),
        default=80.0,
        help="Share of the invoices sold that the factor pays at once (usually 70 to 90%).",
    )
    collection_factoring_fee_rate = fields.Float(
        string="Default factoring fee (%)", digits=(5, 2), help="The factor's fee, on the amount sold."
    )
    collection_dossier_partner_id = fields.Many2one(
        "res.partner",
        string="Dossiers sent to",
        help="The contact (with an email address) that receives the dossiers; by default the receiver itself.",
    )
    # Where the receiver's entries differ from the company's defaults (Accounting settings).
    collection_receiver_journal_id = fields.Many2one(
        "account.journal",
        string="Hand-over journal",
        company_dependent=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of this receiver's entries; by default the collection entries journal.",
    )
    collection_commission_account_id = fields.Many2one(
        "account.account", string="Collection costs account", company_dependent=True
    )
    collection_factor_receivable_account_id = fields.Many2one(
        "account.account", string="Receivable from factor", company_dependent=True
    )
    collection_factor_reserve_account_id = fields.Many2one(
        "account.account", string="Factor reserve", company_dependent=True
    )
    collection_factor_fee_account_id = fields.Many2one(
        "account.account", string="Factoring fee account", company_dependent=True
    )
    collection_factor_liability_account_id = fields.Many2one(
        "account.account", string="Liability to factor", company_dependent=True
    )

    collection_handover_ids = fields.One2many(
        "collection.handover", "partner_id", string="Hand-overs", readonly=True
    )
    collection_handover_count = fields.Integer(compute="_compute_collection_handover_count")
    collection_handover_suggested = fields.Boolean(
        string="Hand-over suggested",
        compute="_compute_collection_handover_suggested",
        help="Every level of the customer's policy was sent, the policy ends with a hand-over and "
        "something is still overdue.",
    )
    collection_insolvency_ids = fields.One2many(
        "collection.insolvency", "partner_id", string="Insolvencies", readonly=True
    )
    collection_insolvency_id = fields.Many2one(
        "collection.insolvency",
        string="Insolvency",
        compute="_compute_collection_insolvency_id",
        help="The customer's insolvency in the current company, while it is not lifted.",
    )

    @api.constrains("collection_commission_rate", "collection_advance_rate", "collection_factoring_fee_rate")
    def _check_collection_receiver_rates(self):
        for partner in self:
            rates = (
                partner.collection_commission_rate,
                partner.collection_advance_rate,
                partner.collection_factoring_fee_rate,
            )
            if any(rate < 0 or rate > 100 for rate in rates) or (
                partner.collection_advance_rate + partner.collection_factoring_fee_rate > 100
            ):
                raise UserError(
                    self.env._(
                        "The rates of %(partner)s must be between 0 and 100%%, and the advance plus the fee "
                        "at most 100%%.",
                        partner=partner.display_name,
                    )
                )

    @api.model
    def _check_collection_fields_access(self, vals):
        if not self.env.su:
            denied = self._collection_fields_denied(set(vals) & set(RECEIVER_FIELD_GROUPS))
            if denied:
                raise AccessError(
                    self.env._(
                        "Only collections managers can change the terms of a hand-over receiver, and only "
                        "accounting managers its journal and accounts (%(fields)s). Ask them to change it.",
                        fields=", ".join(sorted(self._fields[name].string for name in denied)),
                    )
                )
        return super()._check_collection_fields_access(vals)

    @api.depends_context("company")
    def _compute_collection_handover_count(self):
        rows = self.env["collection.handover"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "=", self.env.company.id)],
            ["partner_id"],
            ["__count"],
        )
        counts = dict(rows)
        for partner in self:
            partner.collection_handover_count = counts.get(partner.commercial_partner_id, 0)

    @api.depends_context("company")
    def _compute_collection_handover_suggested(self):
        for partner in self:
            partner.collection_handover_suggested = bool(
                partner.collection_end_of_policy
                and partner.collection_effective_policy_id.end_action == "handover"
            )

    @api.depends_context("company")
    def _compute_collection_insolvency_id(self):
        insolvencies = self.env["collection.insolvency"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
                ("state", "=", "active"),
            ]
        )
        by_partner = {insolvency.partner_id: insolvency for insolvency in insolvencies}
        for partner in self:
            partner.collection_insolvency_id = by_partner.get(partner.commercial_partner_id, False)

    def _collection_receiver_account(self, company, field_name):
        """The receiver's own account for `field_name`, else the company's default."""
        self.ensure_one()
        return self.with_company(company)[field_name] or company[field_name]

    def _collection_receiver_journal(self, company):
        self.ensure_one()
        return self.with_company(company).collection_receiver_journal_id or company.collection_journal_id

    def _collection_dossier_contact(self):
        self.ensure_one()
        return self.collection_dossier_partner_id or self

    # --- actions ------------------------------------------------------------------------------

    def action_collection_handover(self):
        """A draft hand-over of the customer's open overdue invoices in the current company."""
        self.ensure_one()
        partner = self.commercial_partner_id
        today = fields.Date.context_today(self)
        invoices = self.env["account.move"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
            ]
        )
        invoices = invoices.filtered(lambda move: not move._collection_handover_refusal())
        if not invoices:
            raise UserError(
                self.env._(
                    "%(customer)s has no overdue invoice that can be handed over (already handed over, written "
                    "off or paid).",
                    customer=partner.display_name,
                )
            )
        return invoices.action_collection_handover()

    def action_collection_handovers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_handover_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_collection_insolvency(self):
        """Open the customer's insolvency in the current company, or a new one."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_insolvency_action"
        )
        partner = self.commercial_partner_id
        action.update(views=[(False, "form")], view_mode="form", target="current")
        if partner.collection_insolvency_id:
            action["res_id"] = partner.collection_insolvency_id.id
        else:
            action["context"] = {"default_partner_id": partner.id, "default_company_id": self.env.company.id}
        return action
