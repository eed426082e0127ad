from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CollectionCommon
from .test_letters import IBAN, _text

HANDOVER_FIELDS = (
    "collection_commission_account_id",
    "collection_factor_receivable_account_id",
    "collection_factor_reserve_account_id",
    "collection_factor_fee_account_id",
    "collection_factor_liability_account_id",
)


@tagged("post_install", "-at_install")
class TestHandoverSetup(CollectionCommon):
    """Hand-over accounts from the chart, who may set a receiver's terms, the proof of claim's
    interest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.eur = cls.setup_other_currency("EUR")
        cls.company.write({"collection_claim_rule": "eu", "collection_customer_type": "business"})
        cls.customer = cls.env["res.partner"].create({"name": "Failing Trader BV", "is_company": True})
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Incasso BV",
                "email": "dossiers@incasso.example",
                "is_company": True,
                "street": "Kerkstraat 1",
                "city": "Utrecht",
                "collection_receiver_kind": "agency",
                "collection_commission_rate": 20.0,
            }
        )
        # Users who may edit contacts (Contact Creation), with and without the managers' groups.
        users = {}
        for login, groups in (
            ("receiver_contact_editor", "base.group_user,base.group_partner_manager"),
            ("receiver_clerk", "account_collection.group_collection_user,base.group_partner_manager"),
            ("receiver_accountant", "account.group_account_user,base.group_partner_manager"),
            ("receiver_manager", "account_collection.group_collection_manager,base.group_partner_manager"),
            ("receiver_account_admin", "account.group_account_manager,base.group_partner_manager"),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )
        cls.editors = (
            users["receiver_contact_editor"] | users["receiver_clerk"] | users["receiver_accountant"]
        )
        cls.receiver_manager = users["receiver_manager"]
        cls.account_admin = users["receiver_account_admin"]

    # --- 1. accounts at install ---------------------------------------------------------------

    def _balance(self, account):
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return round(sum(lines.mapped("balance")), 2)

    def test_fresh_company_can_factor_out_of_the_box(self):
        """A company created after install gets every hand-over account from its chart; a factor
        without accounts of its own is booked on them."""
        other = self.setup_other_company(name="Fresh Factoring Co")["company"]
        accounts = other[HANDOVER_FIELDS[0]]
        for field in HANDOVER_FIELDS:
            self.assertTrue(other[field], f"{field} set at install")
            self.assertEqual(other[field].company_ids, other)
            accounts |= other[field]
        self.assertEqual(len(accounts), 5, "one account each")
        self.assertEqual(other.collection_factor_receivable_account_id.account_type, "asset_receivable")
        self.assertTrue(other.collection_factor_receivable_account_id.reconcile)
        self.assertEqual(other.collection_factor_reserve_account_id.account_type, "asset_current")
        self.assertEqual(other.collection_factor_fee_account_id.account_type, "expense")
        self.assertEqual(other.collection_commission_account_id.account_type, "expense")
        self.assertEqual(other.collection_factor_liability_account_id.account_type, "liability_current")
        # Running the setup again (reinstall, chart reload) creates nothing and keeps the choice.
        count = self.env["account.account"].search_count([])
        self.env["account.chart.template"]._collection_setup_company(other)
        self.assertEqual(self.env["account.account"].search_count([]), count)

        factor = self.env["res.partner"].create(
            {
                "name": "Factor NV",
                "email": "sales@factor.example",
                "is_company": True,
                "street": "Beursplein 1",
                "city": "Rotterdam",
                "collection_receiver_kind": "factor",
                "collection_advance_rate": 80.0,
                "collection_factoring_fee_rate": 5.0,
            }
        )
        env = self.env(context=dict(self.env.context, allowed_company_ids=other.ids))
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10", company=other)
        with freeze_time("2026-04-01"):
            handover = (
                env["collection.handover"]
                .with_company(other)
                .create(
                    {
                        "kind": "factoring",
                        "company_id": other.id,
                        "partner_id": self.customer.id,
                        "receiver_id": factor.id,
                        "move_ids": [Command.set(invoice.ids)],
                    }
                )
            )
            handover.action_confirm()
        self.assertEqual(handover.state, "handed_over")
        invoice.invalidate_recordset()
        self.assertEqual(invoice.payment_state, "paid", "sold without recourse")
        self.assertEqual(self._balance(other.collection_factor_receivable_account_id), 800.0)
        self.assertEqual(self._balance(other.collection_factor_fee_account_id), 50.0)
        self.assertEqual(self._balance(other.collection_factor_reserve_account_id), 150.0)
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).account_id
        self.assertEqual(
            sum(
                self.env["account.move.line"]
                .search([("account_id", "=", receivable.id), ("partner_id", "=", self.customer.id)])
                .mapped("balance")
            ),
            0.0,
        )

    # --- 2. who may set a receiver's terms ----------------------------------------------------

    def test_receiver_terms_only_by_managers(self):
        fee_account = self.env["account.account"].create(
            {"name": "Agency costs", "code": "6549", "account_type": "expense"}
        )
        for user in self.editors:
            agency = self.agency.with_user(user)
            for vals in (
                {"collection_commission_rate": 1.0},
                {"collection_receiver_kind": "factor"},
                {"collection_advance_rate": 99.0},
                {"collection_factoring_fee_rate": 0.0},
                {"collection_dossier_partner_id": user.partner_id.id},
                {"collection_commission_account_id": fee_account.id},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    agency.write(vals)
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).create(
                    {"name": "My Cousin's Agency", "collection_receiver_kind": "agency"}
                )
            # Contacts stay editable, and a duplicate starts without the terms.
            agency.phone = "+31 30 123 45 67"
            copy = agency.copy({"name": "Incasso BV (copy)"})
            self.assertFalse(copy.sudo().collection_receiver_kind)
        self.assertEqual(self.agency.collection_commission_rate, 20.0)
        self.assertEqual(self.agency.collection_receiver_kind, "agency")

        # A Collections manager sets the terms, but the accounts are the accounting managers'.
        self.agency.with_user(self.receiver_manager).collection_commission_rate = 25.0
        self.assertEqual(self.agency.collection_commission_rate, 25.0)
        with self.assertRaisesRegex(AccessError, "accounting managers"):
            self.agency.with_user(self.receiver_manager).collection_commission_account_id = fee_account
        self.agency.with_user(self.account_admin).write(
            {"collection_commission_account_id": fee_account.id, "collection_commission_rate": 15.0}
        )
        self.assertEqual(
            self.agency._collection_receiver_account(self.company, HANDOVER_FIELDS[0]), fee_account
        )
        self.assertEqual(self.agency.collection_commission_rate, 15.0)

    # --- 3. the proof of claim states the interest up to the insolvency date -------------------

    def _insolvency(self, partner, day):
        trustee = self.env["res.partner"].create({"name": "Mr Trustee", "street": "Court 1", "city": "Leeds"})
        return self.env["collection.insolvency"].create(
            {"partner_id": partner.id, "date": day, "trustee_id": trustee.id, "case_number": "F.01/25/7"}
        )

    def _claim_html(self, insolvency):
        report = "account_collection.action_report_collection_claim"
        return _text(self.env["ir.actions.report"]._render_qweb_html(report, insolvency.ids)[0]).replace(
            "\xa0", " "
        )

    def test_proof_of_claim_lists_interest_up_to_the_insolvency_date(self):
        invoice = self._invoice(self.customer, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        self._pay(invoice, 610.0, "2025-03-31")
        moves = self.env["account.move"].search_count([])
        insolvency = self._insolvency(self.customer, "2025-04-30")
        # EU rule: ECB 3.15 % + 8 = 11.15 %: 1210 * 31 days / 365 = 11.46 (1-31 March), then the
        # 600 still open for 30 days = 5.50 (1-30 April), nothing after the insolvency date.
        interest = insolvency._claim_values()["interest"]
        block = interest["currencies"][0]
        self.assertEqual([amount for _text, amount in block["lines"]], [11.46, 5.50])
        self.assertEqual(block["claims"], 16.96)
        self.assertEqual(block["total"], 616.96, "600.00 open + 16.96 interest")
        self.assertFalse(interest["notes"])
        html = self._claim_html(insolvency)
        self.assertIn("Interest up to the insolvency date", html)
        self.assertIn(
            f"{invoice.name}: interest at 11.15 % from March 1, 2025 to March 31, 2025 on 1,210.00 €", html
        )
        self.assertIn("from April 1, 2025 to April 30, 2025 on 600.00 € 5.50 €", html)
        self.assertIn("Total claimed including interest 616.96 €", html)
        # Stated, not charged: no claim recorded, no invoice issued.
        self.assertFalse(invoice.collection_claim_ids)
        self.assertEqual(self.env["account.move"].search_count([]), moves)

    def test_proof_of_claim_announces_a_missing_rate(self):
        invoice = self._invoice(self.customer, 1210.0, "2025-10-01", "2025-10-31", currency=self.eur)
        insolvency = self._insolvency(self.customer, "2026-01-31")
        # ECB 2.15 % + 8 = 10.15 % for 1 November - 31 December 2025: 1210 * 10.15 % * 61 / 365
        # = 20.53; no rate is recorded for 2026: announced, not zero.
        interest = insolvency._claim_values()["interest"]
        self.assertEqual([amount for _text, amount in interest["currencies"][0]["lines"]], [20.53])
        html = self._claim_html(insolvency)
        self.assertIn(f"{invoice.name}: interest at 10.15 % from November 1, 2025 to December 31, 2025", html)
        self.assertIn("its amount from January 1, 2026 on will be stated once the reference rate", html)
        self.assertIn("1,230.53 €", html)

    def test_proof_of_claim_without_claim_rule(self):
        self.customer.collection_claim_rule = "none"
        self._invoice(self.customer, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        insolvency = self._insolvency(self.customer, "2025-04-30")
        self.assertEqual(insolvency._claim_values()["interest"], {"currencies": [], "notes": []})
        self.assertNotIn("Interest up to the insolvency date", self._claim_html(insolvency))


@tagged("post_install", "-at_install")
class TestClaimsFollowup(CollectionCommon):
    """Printing many letters computes their claims at once; Dutch compounding of paid interest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "street": "Keizersgracht 1",
                "zip": "1015 CJ",
                "city": "Amsterdam",
                "collection_claim_rule": "eu",
                "collection_customer_type": "business",
                "collection_go_live": "catch_up",
            }
        )
        cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.eur = cls.setup_other_currency("EUR")
        cls.policy = cls.env["collection.policy"].create(
            {
                "name": "Claims by letter",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Formal demand",
                            "offset_days": 30,
                            "tone": "formal",
                            "is_final_notice": True,
                            "send_letter": True,
                            "claim_interest": True,
                            "claim_compensation": True,
                        }
                    ),
                ],
            }
        )
        cls.company.collection_policy_id = cls.policy
        cls.report = cls.env.ref("account_collection.action_report_collection_letter")

    # --- 4. printing a batch of letters ---------------------------------------------------------

    def _letters(self, count, start):
        partners = self.env["res.partner"].create(
            [
                {"name": f"L{start + i}", "street": "Dorpsstraat 1", "zip": "3500 AA", "city": "Utrecht"}
                for i in range(count)
            ]
        )
        for partner in partners:
            for _i in range(2):
                self._invoice(partner, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        with freeze_time("2025-04-30"):
            return self.env["collection.autopilot"].sudo()._run(self.company, partners=partners, manual=True)

    def test_printing_letters_computes_claims_in_grouped_queries(self):
        small = self._letters(2, 0)
        large = self._letters(8, 100)
        self.assertEqual(len(large), 8)
        Report = self.env["ir.actions.report"]
        with freeze_time("2025-04-30"):
            Report._render_qweb_html(self.report, small[:1].ids)  # warm the template caches
            counts = []
            calls = []
            original = type(self.env["account.move"])._collection_claims

            def spy(moves, *args, **kwargs):
                calls.append(len(moves))
                return original(moves, *args, **kwargs)

            self.patch(type(self.env["account.move"]), "_collection_claims", spy)
            for letters in (small, large):
                self.env.invalidate_all()
                calls.clear()
                queries = self.env.cr.sql_log_count
                html = _text(Report._render_qweb_html(self.report, letters.ids)[0]).replace("\xa0", " ")
                counts.append(self.env.cr.sql_log_count - queries)
                self.assertEqual(calls, [2 * len(letters)], "one computation for all the letters")
                # 1210 * 11.15 % * 61 / 365 = 22.55 per invoice, + EUR 40 each: 2,545.10 per letter.
                self.assertEqual(html.count("2,545.10 €"), len(letters), "each letter its own total")
        small_count, large_count = counts
        self.assertLessEqual(
            large_count, small_count + 2, f"{small_count} queries for 2 letters, {large_count} for 8"
        )

    def test_print_action_computes_claims_once_for_the_selection(self):
        letters = self._letters(3, 200)
        calls = []
        original = type(self.env["account.move"])._collection_claims

        def spy(moves, *args, **kwargs):
            calls.append(len(moves))
            return original(moves, *args, **kwargs)

        self.patch(type(self.env["account.move"]), "_collection_claims", spy)
        with freeze_time("2025-04-30"):
            letters.with_context(force_report_rendering=True).action_print_letters()
        self.assertEqual(calls, [6], "the claims of the 3 letters (6 invoices) in one computation")
        self.assertEqual(set(letters.mapped("letter_state")), {"sent"})
        self.assertEqual(len(letters.letter_attachment_id), 3)

    # --- 5. Dutch compounding adds only the interest still owed ---------------------------------

    def _charge(self, invoice, day):
        with freeze_time(day):
            return invoice._collection_charge(date.fromisoformat(day))

    def test_dutch_compounding_leaves_out_interest_paid(self):
        """Art. 6:119 BW: each year's interest still owed is added to the principal; once the
        charge invoice is paid it is no longer owed, so no longer compounded."""
        customer = self.env["res.partner"].create({"name": "Handelaar BV", "collection_claim_rule": "nl"})
        paid = self._invoice(customer, 1000.0, "2023-03-01", "2023-03-31", currency=self.eur)
        unpaid = self._invoice(customer, 1000.0, "2023-03-01", "2023-03-31", currency=self.eur)
        charge_paid = self._charge(paid, "2024-03-31")
        self._charge(unpaid, "2024-03-31")
        year_one = {
            move: round(
                sum(move.collection_claim_ids.filtered(lambda c: c.kind == "interest").mapped("amount")), 2
            )
            for move in paid | unpaid
        }
        self.assertEqual(year_one[paid], year_one[unpaid])
        self.assertGreater(year_one[paid], 100.0)
        # The first charge (interest and EUR 40) is paid on 30 April 2024, the other one is not.
        self._pay(charge_paid, charge_paid.amount_total, "2024-04-30")
        self._charge(paid | unpaid, "2024-06-30")

        def bases(move):
            claims = move.collection_claim_ids.filtered(
                lambda c: c.kind == "interest" and c.date_from >= date(2024, 4, 1)
            ).sorted("date_from")
            return [(c.date_from, c.date_to, round(c.basis, 2)) for c in claims]

        # Still owed: compounded from 1 April 2024 (the rate changes on 1 July only).
        [(start, end, basis)] = bases(unpaid)
        self.assertEqual((start, end), (date(2024, 4, 1), date(2024, 6, 30)))
        self.assertAlmostEqual(basis, 1000.0 + year_one[unpaid], delta=0.01)
        # Paid on 30 April: compounded for April, then the principal alone.
        april, may_june = bases(paid)
        self.assertEqual(april[:2], (date(2024, 4, 1), date(2024, 4, 30)))
        self.assertEqual(april[2], basis)
        self.assertEqual(may_june, (date(2024, 5, 1), date(2024, 6, 30), 1000.0))
        # 1 May - 30 June 2024 at ECB 4.50 % + 8 = 12.5 % on 1000.00 for 61 days = 20.89.
        self.assertEqual(
            paid.collection_claim_ids.filtered(lambda c: c.date_from == date(2024, 5, 1)).amount, 20.89
        )
