from odoo import api, models
from odoo.exceptions import ValidationError


class CollectionPauseMixin(models.AbstractModel):
    """What pauses reminders (promises, disputes): keeps the customers' cockpit columns true at
    once, not after the next autopilot run."""

    _name = "collection.pause.mixin"
    _description = "Collections Pause Source"

    # Fields whose change can start or end a pause.
    _pause_fields = ("state", "move_ids", "date", "grace_days", "partner_id")

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._refresh_partner_status()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(self._pause_fields) & set(vals):
            self._refresh_partner_status()
        return result

    @api.constrains("move_ids", "partner_id", "company_id")
    def _check_move_ids_customer(self):
        for record in self:
            self._check_invoices_of(record.partner_id, record.company_id, record.move_ids)

    @api.model
    def _check_invoices_of(self, partner, company, moves):
        """A promise, dispute or call of a customer covers (and pauses) only his own invoices."""
        customer = partner.commercial_partner_id
        foreign = moves.sudo().filtered(
            lambda move: move.commercial_partner_id != customer or move.company_id != company
        )
        if foreign:
            raise ValidationError(
                self.env._(
                    "Only invoices of %(customer)s in %(company)s can be covered: remove %(invoices)s.",
                    customer=customer.display_name,
                    company=company.name,
                    invoices=", ".join(foreign.mapped("name")),
                )
            )

    def _refresh_partner_status(self):
        for company, records in self.grouped("company_id").items():
            records.partner_id.with_company(company)._collection_refresh_status()
