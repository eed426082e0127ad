from odoo import api, fields, models


class CollectionWriteOff(models.TransientModel):
    """Write invoices off as bad debt, consuming their provision and, where allowed, the VAT."""

    _name = "collection.write.off"
    _inherit = ["collection.wizard.mixin", "collection.entry.preview.mixin"]
    _description = "Write off invoices as bad debts"

    reason = fields.Char(required=True)
    vat_relief_allowed = fields.Boolean(compute="_compute_vat_relief")
    vat_relief = fields.Boolean(
        string="Reclaim the VAT",
        compute="_compute_vat_relief_default",
        store=True,
        readonly=False,
        precompute=True,
        help="Reverse the output VAT of the amount written off, as the company's VAT relief rule allows. "
        "Ticked when the rule allows it for every selected invoice.",
    )
    vat_relief_note = fields.Char(compute="_compute_vat_relief")

    @api.depends("move_ids", "date")
    def _compute_vat_relief(self):
        for wizard in self:
            allowed = wizard.move_ids.filtered(
                lambda move, date=wizard.date: move._collection_vat_relief_allowed(date)
            )
            wizard.vat_relief_allowed = bool(allowed)
            refused = wizard.move_ids - allowed
            wizard.vat_relief_note = (
                self.env._(
                    "No VAT relief yet for: %(invoices)s (company rule).",
                    invoices=", ".join(refused.mapped("display_name")),
                )
                if allowed and refused
                else False
            )

    @api.depends("move_ids", "date")
    def _compute_vat_relief_default(self):
        for wizard in self:
            moves = wizard.move_ids._origin
            wizard.vat_relief = bool(moves and wizard.date) and all(
                move._collection_vat_relief_allowed(wizard.date) for move in moves
            )

    @api.depends("move_ids", "date", "reason", "vat_relief")
    def _compute_entry_preview(self):
        return super()._compute_entry_preview()

    def _collection_preview_vals(self):
        moves = self.move_ids._origin
        if not moves or not self.date:
            return []
        moves._collection_check_invoices("write_off")
        return moves._collection_prepare_write_off_vals(
            self.date, self.reason or "", vat_relief=self.vat_relief and self.vat_relief_allowed
        )

    def action_confirm(self):
        self.ensure_one()
        entries = self.move_ids._collection_write_off(
            self.date, self.reason, vat_relief=self.vat_relief and self.vat_relief_allowed
        )
        return entries._collection_action_open()
