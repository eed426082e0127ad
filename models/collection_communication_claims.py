from odoo import api, models

# Where the autopilot keeps the claims blocks of the reminders it is sending, computed for the
# whole batch at once, while their emails are rendered (see collection_autopilot_claims.py).
CACHE_KEY = "account_collection.claim_values"


class CollectionCommunication(models.Model):
    _inherit = "collection.communication"

    def action_print_letters(self):
        # The claims of all the letters in a few grouped queries, whether wkhtmltopdf renders them
        # in one run or one by one.
        cache = self.env.cr.cache
        letters = self.filtered(lambda comm: comm.channel_letter and not comm.letter_attachment_id)
        cache[CACHE_KEY] = letters._claim_values_batch()
        try:
            return super().action_print_letters()
        finally:
            cache.pop(CACHE_KEY, None)

    def _claims_level(self):
        """Whether the level of each reminder claims anything (no query when none does)."""
        level = self.level_id
        return (
            level.claim_interest
            or level.claim_compensation
            or level.claim_fee_fixed
            or level.claim_fee_percent
            or level.is_wik_notice
        )

    def _claim_values(self):
        """The claims block of this reminder's letter and email (empty when its level claims
        nothing: then no query is made, so plain reminders cost what they did)."""
        self.ensure_one()
        if not self._claims_level():
            return {}
        batch = self.env.cr.cache.get(CACHE_KEY)
        if batch is not None and self.id in batch:
            return batch[self.id]
        return self._claim_values_batch()[self.id]

    def _claim_values_batch(self):
        """{reminder id: claims block} for the reminders `self`, with a handful of queries per
        level and day whatever the number of reminders and invoices."""
        result = {comm.id: {} for comm in self}
        comms = self.filtered(lambda comm: comm._claims_level())
        if not comms:
            return result
        charged = self.env["collection.claim"].sudo().search([("communication_id", "in", comms.ids)])
        charged_of = charged.grouped("communication_id")
        Move = self.env["account.move"]
        for (level, day), group in comms.grouped(lambda comm: (comm.level_id, comm.date)).items():
            live = group.filtered(lambda comm: comm not in charged_of)
            moves_of = {
                comm: comm.line_ids.filtered(lambda line: line.section == "overdue").move_id for comm in live
            }
            missing = []
            claims = (
                Move.union(*moves_of.values())._collection_claims(
                    day,
                    interest=level.claim_interest,
                    compensation_=level.claim_compensation,
                    fee_level=level,
                    missing=missing,
                )
                if moves_of
                else {}
            )
            for comm in group:
                if comm in charged_of:
                    result[comm.id] = comm._charged_claim_values(charged_of[comm].with_env(self.env))
                    continue
                totals = {total["currency"]: total["claimed"] for total in comm._totals()}
                result[comm.id] = Move._collection_claim_block(
                    moves_of[comm],
                    day,
                    comm._letter_lang(),
                    totals,
                    interest=level.claim_interest,
                    compensation_=level.claim_compensation,
                    level=level,
                    precomputed=(claims, missing),
                )
        return result

    def _charged_claim_values(self, claims):
        """The claims block from what this reminder's level charged (the letter printed later)."""
        lang = self._letter_lang()
        totals = {total["currency"]: total["claimed"] for total in self._totals()}
        Claim = self.env["collection.claim"].with_context(lang=lang)
        currencies = []
        for currency, currency_claims in claims.grouped("currency_id").items():
            lines = [
                (
                    Claim._describe(
                        {
                            "kind": claim.kind,
                            "rule": claim.rule,
                            "invoice_name": claim.move_id.name,
                            "rate": claim.rate,
                            "basis": claim.basis,
                            "date_from": claim.date_from,
                            "date_to": claim.date_to,
                        },
                        currency,
                        lang,
                    ),
                    claim.amount,
                )
                for claim in currency_claims
            ]
            amount = sum(currency_claims.mapped("amount"))
            total = currency.round(totals.get(currency, 0.0) + amount)
            currencies.append(
                {
                    "currency": currency,
                    "lines": lines,
                    "claims": currency.round(amount),
                    "total": total,
                    "words": self._amount_in_words(total, currency, lang) if total > 0 else "",
                }
            )
        return {"currencies": currencies, "notes": []}


class ReportCollectionLetter(models.AbstractModel):
    _inherit = "report.account_collection.report_collection_letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        # The claims of every letter printed at once (a few queries per level and day), unless the
        # print action computed them already for its whole selection.
        values = super()._get_report_values(docids, data=data)
        docs = values["docs"]
        batch = self.env.cr.cache.get(CACHE_KEY)
        if batch is None or not set(docs.ids) <= set(batch):
            batch = docs._claim_values_batch()
        values["claim_values"] = batch
        return values
