from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date, formatLang

CLAIM_KINDS = [
    ("interest", "Interest"),
    ("compensation", "Compensation"),
    ("fee", "Fee"),
]


class CollectionClaim(models.Model):
    """What was charged (or waived) for one late invoice: the evidence that a period of interest,
    the fixed compensation or a level's fee is never charged twice."""

    _name = "collection.claim"
    _description = "Collection Claim"
    _order = "move_id, kind, date_from, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Late invoice",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Charge invoice",
        index=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    communication_id = fields.Many2one(
        "collection.communication",
        string="Reminder",
        readonly=True,
        index="btree_not_null",
        help="The reminder whose level charged this claim automatically.",
    )
    kind = fields.Selection(CLAIM_KINDS, required=True, readonly=True)
    level_id = fields.Many2one("collection.level", readonly=True, check_company=True)
    rule = fields.Char(readonly=True)
    date_from = fields.Date(readonly=True)
    date_to = fields.Date(readonly=True, help="Last day of interest charged (included).")
    rate = fields.Float(digits=(6, 3), readonly=True)
    basis = fields.Monetary(readonly=True)
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    name = fields.Char(string="Description", readonly=True)
    state = fields.Selection(
        [("charged", "Charged"), ("waived", "Waived")], required=True, default="charged", readonly=True
    )
    waive_reason = fields.Text(readonly=True)

    def init(self):
        # The database refuses a second compensation for one invoice, a second fee for one
        # invoice and level, and a second interest line starting on the same day.
        for name, columns, where in (
            ("collection_claim_unique_compensation", "move_id", "kind = 'compensation'"),
            ("collection_claim_unique_fee", "move_id, level_id", "kind = 'fee'"),
            ("collection_claim_unique_interest", "move_id, date_from", "kind = 'interest'"),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX IF NOT EXISTS %s ON collection_claim (%s) WHERE %s",
                    SQL.identifier(name),
                    SQL(columns),
                    SQL(where),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Claims are recorded by “Charge fees and interest” only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(
                self.env._("A charged claim cannot be edited: waive its charge invoice with its button.")
            )
        return super().write(vals)

    @api.model
    def _describe(self, vals, currency, lang=None):
        """The sentence of one claim, as the letter and the charge invoice print it:
        "Interest at 12.15 % from 1 March 2025 to 30 April 2025 on € 1,210.00"."""
        env = self.with_context(lang=lang).env if lang else self.env
        invoice = vals.get("invoice_name") or ""
        if vals["kind"] == "interest":
            return env._(
                "%(invoice)s: interest at %(rate)s %% from %(start)s to %(end)s on %(basis)s",
                invoice=invoice,
                rate=formatLang(env, vals["rate"], digits=2),
                start=format_date(env, vals["date_from"], lang_code=lang, date_format="long"),
                end=format_date(env, vals["date_to"], lang_code=lang, date_format="long"),
                basis=format_amount(env, vals["basis"], currency, lang_code=lang),
            )
        if vals["kind"] == "compensation":
            if vals.get("rule") == "nl_consumer":
                return env._(
                    "%(invoice)s: extrajudicial collection costs (WIK scale) on %(basis)s",
                    invoice=invoice,
                    basis=format_amount(env, vals["basis"], currency, lang_code=lang),
                )
            return env._("%(invoice)s: fixed compensation for recovery costs", invoice=invoice)
        if vals.get("rate"):
            return env._(
                "%(invoice)s: collection fee of %(rate)s %% on %(basis)s",
                invoice=invoice,
                rate=formatLang(env, vals["rate"], digits=2),
                basis=format_amount(env, vals["basis"], currency, lang_code=lang),
            )
        return env._("%(invoice)s: collection fee", invoice=invoice)
