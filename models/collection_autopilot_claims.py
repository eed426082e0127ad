import logging

from odoo import api, models
from odoo.exceptions import UserError

from .collection_communication_claims import CACHE_KEY

_logger = logging.getLogger(__name__)


class CollectionAutopilot(models.AbstractModel):
    _inherit = "collection.autopilot"

    @api.model
    def _process_batch(self, company, today, decisions, manual):
        communications = super()._process_batch(company, today, decisions, manual)
        auto = communications.filtered(lambda comm: comm.level_id.claim_auto_charge and not comm.error)
        if auto:
            self._charge_claims(auto, today)
        return communications

    @api.model
    def _send_emails(self, communications):
        # The emails of a batch are rendered per level: compute their claims blocks for the whole
        # batch first (a few queries per level), not once per email.
        cache = self.env.cr.cache
        cache[CACHE_KEY] = communications._claim_values_batch() if communications else {}
        try:
            return super()._send_emails(communications)
        finally:
            cache.pop(CACHE_KEY, None)

    @api.model
    def _charge_claims(self, communications, today):
        """Issue the charge invoices of the levels that charge automatically, one level at a time
        (a few queries per level and batch, none per invoice). A setting missing for charging does
        not stop the reminders: the customer's chatter says what to fix."""
        for level, comms in communications.grouped("level_id").items():
            moves = comms.line_ids.filtered(lambda line: line.section == "overdue").move_id
            try:
                with self.env.cr.savepoint():
                    moves.with_context(collection_communications=comms)._collection_charge(
                        today, {level: moves}
                    )
            except UserError as error:
                _logger.info("collection charge at level %s not issued: %s", level.id, error)
                comms.partner_id._message_log_batch(
                    bodies=dict.fromkeys(
                        comms.partner_id.ids,
                        self.env._("Fees and interest were not charged: %(error)s", error=error.args[0]),
                    )
                )
