from odoo import api, fields, models


class ResPartner(models.Model):
    """The cockpit's contact columns: when the customer was last reminded or called, and the
    deadline of his open promise. Computed for the whole list in grouped queries."""

    _inherit = "res.partner"

    collection_last_contact_date = fields.Date(
        string="Last contact",
        compute="_compute_collection_contact",
        help="The last reminder sent or collections call logged.",
    )
    collection_promise_deadline = fields.Date(
        string="Promised by",
        compute="_compute_collection_contact",
        help="Deadline of the customer's open promise to pay (promised date plus the grace days).",
    )

    @api.depends_context("company")
    def _compute_collection_contact(self):
        company = self.env.company
        commercial = self.commercial_partner_id
        reminded = dict(
            self.env["collection.communication"]
            .sudo()
            ._read_group(
                [("company_id", "=", company.id), ("partner_id", "in", commercial.ids)],
                ["partner_id"],
                ["date:max"],
            )
        )
        call_subtype = self.env.ref("account_collection.mt_collection_call", raise_if_not_found=False)
        called = {}
        if call_subtype:
            called = dict(
                self.env["mail.message"]
                .sudo()
                ._read_group(
                    [
                        ("model", "=", "res.partner"),
                        ("res_id", "in", commercial.ids),
                        ("subtype_id", "=", call_subtype.id),
                    ],
                    ["res_id"],
                    ["date:max"],
                )
            )
        promised = dict(
            self.env["collection.promise"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", commercial.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["deadline:min"],
            )
        )
        for partner in self:
            customer = partner.commercial_partner_id
            dates = [
                date
                for date in (reminded.get(customer), called.get(customer.id) and called[customer.id].date())
                if date
            ]
            partner.collection_last_contact_date = max(dates) if dates else False
            partner.collection_promise_deadline = promised.get(customer, False)
