from odoo import api, models


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

    def _refresh_partner_status(self):
        for company, records in self.grouped("company_id").items():
            records.partner_id.with_company(company)._collection_refresh_status()
