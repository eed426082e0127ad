from odoo import models


class CollectionCommunication(models.Model):
    _inherit = "collection.communication"

    def _claim_values(self):
        """The claims block of this reminder's letter and email (empty when its level claims
        nothing: then no query is made, so plain reminders cost what they did)."""
        self.ensure_one()
        level = self.level_id
        if not (
            level.claim_interest
            or level.claim_compensation
            or level.claim_fee_fixed
            or level.claim_fee_percent
            or level.is_wik_notice
        ):
            return {}
        charged = self.env["collection.claim"].sudo().search([("communication_id", "=", self.id)])
        if charged:
            return self._charged_claim_values(charged)
        moves = self.line_ids.filtered(lambda line: line.section == "overdue").move_id
        totals = {total["currency"]: total["claimed"] for total in self._totals()}
        return self.env["account.move"]._collection_claim_block(
            moves,
            self.date,
            self._letter_lang(),
            totals,
            interest=level.claim_interest,
            compensation_=level.claim_compensation,
            level=level,
        )

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
            total = currency.round(totals.get(currency, 0.0) + sum(currency_claims.mapped("amount")))
            currencies.append(
                {
                    "currency": currency,
                    "lines": lines,
                    "claims": currency.round(sum(currency_claims.mapped("amount"))),
                    "total": total,
                    "words": self._amount_in_words(total, currency, lang) if total > 0 else "",
                }
            )
        return {"currencies": currencies, "notes": []}
