from odoo import api, fields, models
from odoo.fields import Domain

PAUSE_REASONS = [
    ("excluded", "Excluded"),
    ("dispute", "Disputed"),
    ("promise", "Promise to pay"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_level_id = fields.Many2one(
        "collection.level",
        string="Reminder level",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The last collection level the customer was reminded of for this invoice.",
    )
    collection_last_date = fields.Date(string="Last reminder", copy=False, readonly=True)
    collection_force_next = fields.Boolean(
        copy=False,
        readonly=True,
        help="Set when a promise to pay is broken: the next run goes on to the next level at once.",
    )
    collection_exclude = fields.Boolean(
        string="Excluded from reminders",
        copy=False,
        tracking=True,
        help="The autopilot leaves this invoice alone.",
    )
    collection_exclude_until = fields.Date(
        string="Excluded until", copy=False, help="Leave empty to exclude the invoice until further notice."
    )
    collection_exclude_reason = fields.Char(string="Exclusion reason", copy=False)
    collection_promise_ids = fields.Many2many(
        "collection.promise",
        "collection_promise_account_move_rel",
        "account_move_id",
        "collection_promise_id",
        string="Promises to pay",
        copy=False,
        readonly=True,
    )
    collection_dispute_ids = fields.Many2many(
        "collection.dispute",
        "collection_dispute_account_move_rel",
        "account_move_id",
        "collection_dispute_id",
        string="Disputes",
        copy=False,
        readonly=True,
    )
    collection_communication_line_ids = fields.One2many(
        "collection.communication.line", "move_id", string="Reminders", readonly=True
    )
    collection_pause_reason = fields.Selection(
        PAUSE_REASONS,
        string="Reminders paused",
        compute="_compute_collection_pause",
        search="_search_collection_pause_reason",
    )
    collection_paused_until = fields.Date(compute="_compute_collection_pause")

    @api.model
    def _collection_pause_domains(self, today):
        """Domains of the invoices whose reminders are paused today, by reason (in priority order)."""
        return {
            "excluded": [
                ("collection_exclude", "=", True),
                "|",
                ("collection_exclude_until", "=", False),
                ("collection_exclude_until", ">=", today),
            ],
            "dispute": [("collection_dispute_ids", "any", [("state", "=", "open")])],
            "promise": [
                ("collection_promise_ids", "any", [("state", "=", "open"), ("deadline", ">=", today)])
            ],
        }

    @api.depends_context("company")
    @api.depends(
        "collection_exclude",
        "collection_exclude_until",
        "collection_dispute_ids.state",
        "collection_promise_ids.state",
        "collection_promise_ids.deadline",
    )
    def _compute_collection_pause(self):
        today = fields.Date.context_today(self)
        for move in self:
            reason = until = False
            if move.collection_exclude and (
                not move.collection_exclude_until or move.collection_exclude_until >= today
            ):
                reason, until = "excluded", move.collection_exclude_until
            elif any(dispute.state == "open" for dispute in move.collection_dispute_ids):
                reason = "dispute"
            else:
                promises = move.collection_promise_ids.filtered(
                    lambda promise: promise.state == "open" and promise.deadline >= today
                )
                if promises:
                    reason, until = "promise", max(promises.mapped("deadline"))
            move.collection_pause_reason = reason
            move.collection_paused_until = until

    def _search_collection_pause_reason(self, operator, value):
        # Odoo hands search methods positive operators ("in" with [False] for "is not set").
        if operator not in ("in", "not in"):
            return NotImplemented
        domains = self._collection_pause_domains(fields.Date.context_today(self))
        values = {value} if isinstance(value, str) or not hasattr(value, "__iter__") else set(value)
        parts = [Domain(domains[reason]) for reason in values if reason in domains]
        if False in values:
            parts.append(~Domain.OR(domains.values()))
        matching = Domain.OR(parts)
        return matching if operator == "in" else ~matching
