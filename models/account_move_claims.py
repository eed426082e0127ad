from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from ..tools.claims import MissingRate, compensation, interest_lines, rule_parameters, wik_allowed, wik_split

# Set by the addon's own methods only: a user flagging an invoice as a charge would exempt it
# from interest, and clearing "no claims" would undo a waiver without trace.
CLAIM_PROTECTED_MOVE_FIELDS = ("collection_is_charge", "collection_claims_waived")

# The currency the law states the fixed compensation in.
COMPENSATION_CURRENCY = {"uk": "GBP"}


class AccountMove(models.Model):
    _inherit = "account.move"

    collection_claim_ids = fields.One2many(
        "collection.claim", "move_id", string="Claims charged", readonly=True
    )
    collection_charge_claim_ids = fields.One2many(
        "collection.claim", "charge_move_id", string="Claims of this charge", readonly=True
    )
    collection_is_charge = fields.Boolean(
        string="Charges fees and interest",
        readonly=True,
        copy=False,
        help="This invoice charges the fees, interest and compensation of late invoices.",
    )
    collection_charged_move_ids = fields.Many2many(
        "account.move",
        compute="_compute_collection_charged_move_ids",
        string="Late invoices charged",
    )
    collection_charge_count = fields.Integer(compute="_compute_collection_charged_move_ids")
    collection_claims_waived = fields.Boolean(
        string="No claims",
        readonly=True,
        copy=False,
        help="Fees, interest and compensation of this invoice were waived: none is claimed any more.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._collection_check_protected(self.browse(), vals_list, CLAIM_PROTECTED_MOVE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        self._collection_check_protected(self, [vals], CLAIM_PROTECTED_MOVE_FIELDS)
        return super().write(vals)

    @api.depends("collection_charge_claim_ids.move_id", "collection_claim_ids.charge_move_id")
    def _compute_collection_charged_move_ids(self):
        for move in self:
            move.collection_charged_move_ids = move.collection_charge_claim_ids.move_id
            move.collection_charge_count = len(move.collection_claim_ids.charge_move_id)

    # --- what may be claimed -------------------------------------------------------------------

    def _collection_claims(self, on_date, interest=True, compensation_=True, fee_level=None, missing=None):
        """The claims not charged yet of the invoices `self` on `on_date`: {invoice: [vals]}.

        One query per kind of data whatever the number of invoices: the customers' rules, the
        payments, what was charged before, the rates and the Dutch 14-day letters. `fee_level`
        adds the fees of that level (fixed once per customer, on his oldest invoice). Each vals
        has kind, date_from, date_to, rate, basis, amount, rule, level_id and invoice_name.

        :raises UserError: when a half-year of interest has no rate; when a list `missing` is
            given, the invoice's interest is stated up to that half-year instead and the
            MissingRate added to it
        """
        # Origin records: the charge wizard's preview runs in an onchange, on new records.
        moves = self._origin.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.invoice_date_due
                and move.invoice_date_due < on_date
                and not move.collection_claims_waived
                and (not move.collection_is_charge or move.company_id.collection_interest_on_charges)
            )
        )
        result = {move: [] for move in moves}
        if not moves:
            return result
        rules = {}
        for company, company_moves in moves.grouped("company_id").items():
            rules.update(
                {
                    (company, partner): rule
                    for partner, rule in company_moves.partner_id._collection_claim_rules(company).items()
                }
            )
        params = {
            move: rule_parameters(*rules[(move.company_id, move.commercial_partner_id)]) for move in moves
        }
        payments = self._collection_claim_payments(moves)
        charged = self._collection_charged(moves)
        interest_paid = self._collection_interest_paid(
            moves.filtered(lambda move: params[move] and params[move][2])
        )
        needed = {(p[0], p[1]) for p in params.values() if p and p[0]}
        rate_functions = self.env["collection.reference.rate"]._rate_functions(needed)
        wik_letters = self._collection_wik_letters(moves)
        wik_groups = defaultdict(list)
        for move in moves:
            param = params[move]
            currency = move.currency_id
            digits = currency.decimal_places
            last_payment = max((day for day, _amount in payments[move]), default=None)
            end = on_date
            if currency.is_zero(move.amount_residual) and last_payment:
                end = min(on_date, last_payment)
            base = {"invoice_name": move.name, "level_id": False}
            if param and interest:
                series, margin, compound, _comp = param
                if series:
                    rate_on = rate_functions[(series, margin)]
                else:
                    rate = Decimal(str(move.company_id.collection_contract_rate or 0))
                    rate_on = lambda _day, rate=rate: rate  # noqa: E731
                start = max(
                    [move.invoice_date_due] + [claim["date_to"] for claim in charged[move]["interest"]]
                )
                lines = None
                while lines is None:
                    try:
                        lines = interest_lines(
                            Decimal(str(move.amount_total)),
                            move.invoice_date_due,
                            start,
                            end,
                            rate_on,
                            payments[move],
                            compound,
                            digits,
                            interest_paid.get(move, ()),
                        )
                    except MissingRate as error:
                        if missing is None:
                            raise self.env["collection.reference.rate"]._missing_rate_error(error) from None
                        # What the published rates cover is stated; the rest is announced.
                        missing.append(error)
                        end = error.period_start - timedelta(days=1)
                for line in lines:
                    result[move].append(
                        dict(
                            base,
                            kind="interest",
                            rule=rules[(move.company_id, move.commercial_partner_id)][0],
                            date_from=line.date_from,
                            date_to=line.date_to,
                            rate=float(line.rate),
                            basis=float(line.basis),
                            amount=float(line.amount),
                        )
                    )
            if param and compensation_ and param[3] != "none" and not charged[move]["compensation"]:
                rule = param[3]
                if rule == "nl_consumer":
                    if wik_allowed(
                        wik_letters.get(move), move.company_id.collection_wik_receipt_days, on_date
                    ):
                        wik_groups[(move.commercial_partner_id, currency)].append(move)
                else:
                    amount = compensation(rule, move.amount_total)
                    result[move].append(
                        dict(
                            base,
                            kind="compensation",
                            rule=rule,
                            date_from=False,
                            date_to=False,
                            rate=0.0,
                            basis=move.amount_total,
                            amount=self._collection_from_law_currency(rule, float(amount), move, on_date),
                        )
                    )
        for group in wik_groups.values():
            residuals = [Decimal(str(move.amount_residual)) for move in group]
            for move, amount in zip(
                group, wik_split(residuals, group[0].currency_id.decimal_places), strict=True
            ):
                result[move].append(
                    {
                        "invoice_name": move.name,
                        "level_id": False,
                        "kind": "compensation",
                        "rule": "nl_consumer",
                        "date_from": False,
                        "date_to": False,
                        "rate": 0.0,
                        "basis": move.amount_residual,
                        "amount": float(amount),
                    }
                )
        if fee_level and (fee_level.claim_fee_fixed or fee_level.claim_fee_percent):
            self._collection_level_fees(moves, fee_level, charged, result)
        return {move: [vals for vals in claims if vals["amount"]] for move, claims in result.items()}

    @api.model
    def _collection_level_fees(self, moves, level, charged, result):
        first_of = {}
        for move in moves.sorted(lambda move: (move.invoice_date_due, move.id)):
            first_of.setdefault((move.commercial_partner_id, move.currency_id), move)
        for move in moves:
            if level.id in charged[move]["fee"] or move.currency_id.is_zero(move.amount_residual):
                continue
            amount = 0.0
            if first_of[(move.commercial_partner_id, move.currency_id)] == move:
                amount += level.claim_fee_fixed
            amount += move.currency_id.round(move.amount_residual * level.claim_fee_percent / 100)
            result[move].append(
                {
                    "invoice_name": move.name,
                    "level_id": level.id,
                    "kind": "fee",
                    "rule": False,
                    "date_from": False,
                    "date_to": False,
                    "rate": level.claim_fee_percent,
                    "basis": move.amount_residual,
                    "amount": move.currency_id.round(amount),
                }
            )

    @api.model
    def _collection_from_law_currency(self, rule, amount, move, on_date):
        """A fixed sum of the law (EUR 40, GBP 70...) in the invoice's currency."""
        code = COMPENSATION_CURRENCY.get(rule, "EUR")
        if move.currency_id.name == code:
            return amount
        law = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if not law:
            return amount
        return law._convert(amount, move.currency_id, move.company_id, on_date)

    @api.model
    def _collection_claim_payments(self, moves):
        """{invoice: [(date, amount in invoice currency)]}: what reduced each one, and when."""
        lines = moves.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        partials = self.env["account.partial.reconcile"].search_fetch(
            [("debit_move_id", "in", lines.ids)], ["debit_move_id", "credit_move_id", "debit_amount_currency"]
        )
        payments = {move: [] for move in moves}
        for partial in partials:
            move = partial.debit_move_id.move_id
            day = max(partial.credit_move_id.date, move.invoice_date_due)
            payments[move].append((day, Decimal(str(partial.debit_amount_currency))))
        return payments

    @api.model
    def _collection_interest_paid(self, moves):
        """{invoice: [(paid on, date from, date to, share)]}: the interest periods charged on each
        invoice and the share of them paid since (or waived: the charge's credit note settles it),
        which Dutch compounding no longer adds to the basis. A payment of a charge invoice pays its
        lines in proportion to their amounts."""
        if not moves:
            return {}
        claims = (
            self.env["collection.claim"]
            .sudo()
            .search_fetch(
                [("move_id", "in", moves.ids), ("kind", "=", "interest"), ("charge_move_id", "!=", False)],
                ["move_id", "charge_move_id", "date_from", "date_to"],
            )
        )
        if not claims:
            return {}
        by_charge = claims.grouped("charge_move_id")
        lines = claims.charge_move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        partials = (
            self.env["account.partial.reconcile"]
            .sudo()
            .search_fetch(
                [("debit_move_id", "in", lines.ids)],
                ["debit_move_id", "credit_move_id", "debit_amount_currency"],
            )
        )
        paid = defaultdict(list)
        for partial in partials:
            charge = partial.debit_move_id.move_id
            if not charge.amount_total:
                continue
            share = Fraction(str(partial.debit_amount_currency)) / Fraction(str(charge.amount_total))
            for claim in by_charge.get(charge, ()):
                paid[claim.move_id.with_env(self.env)].append(
                    (partial.credit_move_id.date, claim.date_from, claim.date_to, min(share, Fraction(1)))
                )
        return dict(paid)

    @api.model
    def _collection_charged(self, moves):
        """{invoice: {"interest": [claims], "compensation": bool, "fee": {level ids}}}, charged or waived."""
        claims = (
            self.env["collection.claim"]
            .sudo()
            .search_fetch([("move_id", "in", moves.ids)], ["move_id", "kind", "date_to", "level_id"])
        )
        charged = {move: {"interest": [], "compensation": False, "fee": set()} for move in moves}
        for claim in claims:
            entry = charged[claim.move_id.with_env(self.env)]
            if claim.kind == "interest":
                entry["interest"].append({"date_to": claim.date_to})
            elif claim.kind == "compensation":
                entry["compensation"] = True
            else:
                entry["fee"].add(claim.level_id.id)
        return charged

    @api.model
    def _collection_wik_letters(self, moves):
        """{invoice: date of the first Dutch 14-day letter sent about it}."""
        lines = (
            self.env["collection.communication.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", moves.ids),
                    ("section", "=", "overdue"),
                    ("communication_id.level_id.is_wik_notice", "=", True),
                    ("communication_id.state", "=", "sent"),
                ],
                ["move_id", "communication_id"],
            )
        )
        first = {}
        for line in lines:
            move = line.move_id.with_env(self.env)
            day = line.communication_id.date
            if move not in first or day < first[move]:
                first[move] = day
        return first

    # --- charging ------------------------------------------------------------------------------

    def _collection_charge(self, on_date, fee_levels=None):
        """Issue one charge invoice per customer and currency for what `self` may claim up to
        `on_date`, and record each claim against its late invoice. Returns the charge invoices.

        The late invoices are locked first, so two users (or the autopilot and a user) charging
        the same invoice wait for each other and the second finds the periods already charged.
        `fee_levels` ({invoice: levels}) adds the fees of the levels sent about each invoice.
        """
        moves = self._origin.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")
        if not moves:
            return self.browse()
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL("SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE", tuple(moves.ids))
        )
        self.env["collection.claim"].invalidate_model()
        claims = moves._collection_claims(on_date)
        for level, level_moves in (fee_levels or {}).items():
            for move, extra in level_moves._collection_claims(
                on_date, interest=False, compensation_=False, fee_level=level
            ).items():
                claims.setdefault(move, []).extend(extra)
        groups = defaultdict(list)
        for move, move_claims in claims.items():
            for vals in move_claims:
                groups[(move.company_id, move.commercial_partner_id, move.currency_id)].append((move, vals))
        if not groups:
            return self.browse()
        for company in {key[0] for key in groups}:
            self._collection_check_claim_settings(company)
        invoices_vals = [
            self._prepare_collection_charge_vals(company, partner, currency, items, on_date)
            for (company, partner, currency), items in groups.items()
        ]
        charges = self._collection_writer().create(invoices_vals).with_env(self.env)
        charges.action_post()
        Claim = self.env["collection.claim"].sudo()
        claim_vals = []
        for charge, ((company, partner, currency), items) in zip(charges, groups.items(), strict=True):
            for move, vals in items:
                claim_vals.append(
                    {
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "move_id": move.id,
                        "charge_move_id": charge.id,
                        "kind": vals["kind"],
                        "level_id": vals["level_id"],
                        "rule": vals["rule"],
                        "date_from": vals["date_from"],
                        "date_to": vals["date_to"],
                        "rate": vals["rate"],
                        "basis": vals["basis"],
                        "amount": vals["amount"],
                        "currency_id": currency.id,
                        "name": Claim._describe(vals, currency),
                    }
                )
        # Claims charged by the autopilot with a reminder remember it: its letter, printed later,
        # shows what it charged.
        comm_of = {
            (comm.partner_id, line.move_id): comm.id
            for comm in self.env.context.get("collection_communications") or []
            for line in comm.line_ids
        }
        for vals in claim_vals:
            vals["communication_id"] = comm_of.get(
                (self.env["res.partner"].browse(vals["partner_id"]), self.browse(vals["move_id"]))
            )
        Claim.create(claim_vals)
        for charge in charges:
            charge.message_post(
                body=self.env._(
                    "Fees and interest up to %(date)s of %(invoices)s.",
                    date=fields.Date.to_string(on_date),
                    invoices=", ".join(charge.collection_charged_move_ids.mapped("name")),
                )
            )
        return charges

    @api.model
    def _collection_check_claim_settings(self, company):
        missing = [
            company._fields[name]._description_string(self.env)
            for name in ("collection_interest_account_id", "collection_fee_account_id")
            if not company[name]
        ]
        if missing or not self._collection_claim_journal(company):
            raise UserError(
                self.env._(
                    "Fees and interest cannot be charged in %(company)s: set %(fields)s in Accounting settings "
                    "(block Collections).",
                    company=company.name,
                    fields=", ".join(missing) or self.env._("a sales journal"),
                )
            )

    @api.model
    def _collection_claim_journal(self, company):
        return company.collection_claim_journal_id or self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "sale")], order="sequence, id", limit=1
        )

    @api.model
    def _prepare_collection_charge_vals(self, company, partner, currency, items, on_date):
        products = {
            "interest": self.env.ref("account_collection.product_collection_interest"),
            "compensation": self.env.ref("account_collection.product_collection_compensation"),
            "fee": self.env.ref("account_collection.product_collection_fee"),
        }
        lang = partner.lang
        lines = []
        for _move, vals in items:
            kind = vals["kind"]
            account = (
                company.collection_fee_account_id if kind == "fee" else company.collection_interest_account_id
            )
            taxes = company.collection_fee_tax_id if kind == "fee" else self.env["account.tax"]
            lines.append(
                Command.create(
                    {
                        "product_id": products[kind].id,
                        "name": self.env["collection.claim"]._describe(vals, currency, lang),
                        "quantity": 1,
                        "price_unit": vals["amount"],
                        "account_id": account.id,
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
            )
        late = ", ".join(dict.fromkeys(move.name for move, _vals in items))
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "journal_id": self._collection_claim_journal(company).id,
            "invoice_date": on_date,
            "invoice_origin": late[:250],
            "ref": self.with_context(lang=lang).env._("Late payment of %(invoices)s", invoices=late)[:250],
            "collection_is_charge": True,
            "invoice_line_ids": lines,
        }

    # --- buttons -------------------------------------------------------------------------------

    def action_collection_charge(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_charge_action"
        ) | {"context": {"active_model": "account.move", "active_ids": self.ids}}

    def action_collection_waive(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "account_collection.collection_claim_waive_action"
        ) | {"context": {"active_model": "account.move", "active_ids": self.ids}}

    def action_collection_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("id", "in", self.collection_claim_ids.charge_move_id.ids)]
        action["context"] = {"create": False}
        return action

    def _collection_waive(self, reason):
        """Waive: a charge invoice is reversed (Odoo's credit note, reconciled) and its claims stay
        recorded as waived so they are not charged again; a late invoice gets no more claims."""
        charges = self.filtered("collection_is_charge")
        late = self - charges
        open_charges = charges.filtered(lambda move: move.state == "posted")
        if open_charges:
            open_charges._reverse_moves(
                [
                    {
                        "ref": self.env._("Waived: %(reason)s", reason=reason)[:250],
                        "invoice_date": fields.Date.context_today(self),
                    }
                    for _move in open_charges
                ],
                cancel=True,
            )
        charges.collection_charge_claim_ids.sudo().write({"state": "waived", "waive_reason": reason})
        late.sudo()._collection_writer().write({"collection_claims_waived": True})
        for move in self:
            move.message_post(
                body=self.env._(
                    "Fees and interest waived by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
                )
            )
        for move in charges.collection_charged_move_ids:
            move.message_post(
                body=self.env._(
                    "Charge %(charge)s waived: %(reason)s",
                    charge=", ".join(charges.mapped("name")),
                    reason=reason,
                )
            )
        return True

    def _collection_fee_levels(self):
        """{level: invoices}: the levels with a fee sent (not cancelled) about the invoices `self`."""
        lines = (
            self.env["collection.communication.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_id", "in", self.ids),
                    ("section", "=", "overdue"),
                    ("communication_id.state", "=", "sent"),
                    "|",
                    ("communication_id.level_id.claim_fee_fixed", ">", 0),
                    ("communication_id.level_id.claim_fee_percent", ">", 0),
                ],
                ["move_id", "communication_id"],
            )
        )
        levels = defaultdict(lambda: self.browse())
        for line in lines:
            levels[line.communication_id.level_id.with_env(self.env)] |= line.move_id.with_env(self.env)
        return dict(levels)

    @api.model
    def _collection_chargeable_domain(self, partners, on_date):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("company_id", "in", self.env.companies.ids),
            ("commercial_partner_id", "in", partners.commercial_partner_id.ids),
            ("invoice_date_due", "<", on_date),
            ("collection_claims_waived", "=", False),
            "|",
            ("amount_residual", "!=", 0),
            ("invoice_date_due", ">=", fields.Date.subtract(on_date, years=6)),
        ]

    @api.model
    def _collection_claim_block(
        self, moves, on_date, lang, totals, interest=True, compensation_=True, level=None, precomputed=None
    ):
        """What a letter, an email or a statement shows of the claims on `moves` at `on_date`.

        `totals` ({currency: amount claimed without claims}) gives the totals including claims.
        `precomputed` is ``(claims, missing)`` of `_collection_claims` for a batch of reminders
        that includes `moves`.
        :return: {"currencies": [{currency, lines: [(text, amount)], claims, total, words}],
            "notes": [sentences: interest still to be stated, the 14-day letter's announcement]}
        """
        env = self.with_context(lang=lang).env
        if precomputed is None:
            missing = []
            claims = moves.with_env(env)._collection_claims(
                on_date, interest=interest, compensation_=compensation_, fee_level=level, missing=missing
            )
        else:
            all_claims, missing = precomputed
            claims = {move: all_claims.get(move._origin, []) for move in moves}
        Claim = env["collection.claim"]
        by_currency = defaultdict(list)
        for move, move_claims in claims.items():
            for vals in move_claims:
                by_currency[move.currency_id].append(
                    (Claim._describe(vals, move.currency_id, lang), vals["amount"])
                )
        Communication = env["collection.communication"]
        currencies = []
        for currency, lines in by_currency.items():
            claimed = sum(amount for _text, amount in lines)
            total = currency.round(totals.get(currency, 0.0) + claimed)
            currencies.append(
                {
                    "currency": currency,
                    "lines": lines,
                    "claims": currency.round(claimed),
                    "total": total,
                    "words": Communication._amount_in_words(total, currency, lang) if total > 0 else "",
                }
            )
        notes = []
        for period in sorted({error.period_start for error in missing}):
            notes.append(
                env._(
                    "Statutory interest for late payment is also due from the day after each due date; its "
                    "amount from %(date)s on will be stated once the reference rate of that half-year is "
                    "published.",
                    date=format_date(env, period, lang_code=lang, date_format="long"),
                )
            )
        if level and level.is_wik_notice:
            rules = {}
            for company, company_moves in moves.grouped("company_id").items():
                rules.update(company_moves.partner_id._collection_claim_rules(company))
            consumer = moves.filtered(
                lambda move: (
                    rules.get(move.commercial_partner_id) == ("nl", "consumer")
                    and not move.collection_claims_waived
                )
            )
            for currency, currency_moves in consumer.grouped("currency_id").items():
                residual = sum(currency_moves.mapped("amount_residual"))
                if residual > 0:
                    notes.append(
                        env._(
                            "You can still pay the amount due without extra costs within 14 days from the day after "
                            "you receive this letter. If we have not received full payment by then, we will charge "
                            "you collection costs of %(amount)s (Dutch decree on extrajudicial collection costs), "
                            "in addition to the statutory interest.",
                            amount=format_amount(
                                env, float(compensation("nl_consumer", residual)), currency, lang_code=lang
                            ),
                        )
                    )
        return {"currencies": currencies, "notes": notes}
