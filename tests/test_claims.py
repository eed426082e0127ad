from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CollectionCommon
from .test_letters import IBAN, _text


@tagged("post_install", "-at_install")
class TestClaims(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.eur = cls.setup_other_currency("EUR")
        cls.gbp = cls.setup_other_currency("GBP")
        cls.company.write({"collection_claim_rule": "eu", "collection_customer_type": "business"})
        cls.customer = cls.env["res.partner"].create({"name": "Late Payer BV", "is_company": True})
        cls.consumer = cls.env["res.partner"].create(
            {"name": "Jan Jansen", "collection_claim_rule": "nl", "collection_customer_type": "consumer"}
        )

    def _charge(self, moves, day, model="account.move", ids=None):
        wizard = Form(
            self.env["collection.charge"].with_context(active_model=model, active_ids=ids or moves.ids)
        )
        wizard.date = day
        action = wizard.save().action_charge()
        return self.env["account.move"].search(action["domain"])

    def _lines(self, charge):
        return [(line.product_id.default_code, line.price_unit) for line in charge.invoice_line_ids]

    # --- the rules ---------------------------------------------------------------------------

    def test_eu_interest_across_1_july_and_compensation(self):
        invoice = self._invoice(self.customer, 10000.0, "2023-05-20", "2023-06-20", currency=self.eur)
        charge = self._charge(invoice, "2023-07-10")
        # ECB 4.00 % on 1 July 2023, 2.50 % on 1 January, + 8 points:
        # 10000 * 10.5 % * 10 / 365 = 28.77 (21-30 June), 10000 * 12 % * 10 / 365 = 32.88 (1-10 July)
        self.assertEqual(
            self._lines(charge),
            [("COLL-INTEREST", 28.77), ("COLL-INTEREST", 32.88), ("COLL-COMPENSATION", 40.0)],
        )
        self.assertEqual(charge.amount_total, 101.65)
        self.assertEqual(charge.currency_id, self.eur)
        self.assertIn(
            "interest at 12.00 % from July 1, 2023 to July 10, 2023 on 10,000.00\xa0€",
            charge.invoice_line_ids[1].name,
        )
        # Accounts, taxes, references; the late invoice itself is untouched.
        self.assertEqual(charge.invoice_line_ids.account_id, self.company.collection_interest_account_id)
        self.assertFalse(charge.invoice_line_ids.tax_ids)
        self.assertEqual(charge.amount_tax, 0)
        self.assertIn(invoice.name, charge.invoice_origin)
        self.assertTrue(charge.collection_is_charge and charge.state == "posted")
        self.assertEqual(charge.collection_charged_move_ids, invoice)
        self.assertEqual(invoice.amount_residual, 10000.0)
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        receivable = charge.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(receivable.amount_currency, 101.65)

    def test_no_double_charge_run_twice_or_overlapping(self):
        invoice = self._invoice(self.customer, 10000.0, "2023-05-20", "2023-06-20", currency=self.eur)
        first = self._charge(invoice, "2023-07-10")
        with self.assertRaisesRegex(UserError, "Nothing to charge"):
            self._charge(invoice, "2023-07-10")
        with self.assertRaisesRegex(UserError, "Nothing to charge"):
            self._charge(invoice, "2023-07-01")  # a period already covered
        second = self._charge(invoice, "2023-07-31")
        # Only 11 to 31 July, and no second compensation: 10000 * 12 % * 21 / 365 = 69.04
        self.assertEqual(self._lines(second), [("COLL-INTEREST", 69.04)])
        claims = invoice.collection_claim_ids.filtered(lambda claim: claim.kind == "interest").sorted(
            "date_from"
        )
        self.assertEqual(
            [(c.date_from, c.date_to) for c in claims],
            [
                (date(2023, 6, 21), date(2023, 6, 30)),
                (date(2023, 7, 1), date(2023, 7, 10)),
                (date(2023, 7, 11), date(2023, 7, 31)),
            ],
        )
        self.assertEqual(invoice.collection_charge_count, 2)
        self.assertEqual(first.collection_charge_claim_ids.move_id, invoice)

    def test_partial_payment_mid_period(self):
        invoice = self._invoice(self.customer, 1210.0, "2025-01-31", "2025-02-28", currency=self.eur)
        self._pay(invoice, 610.0, "2025-03-31")
        charge = self._charge(invoice, "2025-04-30")
        # 11.15 % (3.15 + 8): 1210 * 31 days = 11.46, then 600 * 30 days = 5.50
        self.assertEqual(
            self._lines(charge),
            [("COLL-INTEREST", 11.46), ("COLL-INTEREST", 5.50), ("COLL-COMPENSATION", 40.0)],
        )
        self.assertIn("on 600.00\xa0€", charge.invoice_line_ids[1].name)

    def test_uk_rule_in_pounds(self):
        self.customer.collection_claim_rule = "uk"
        invoice = self._invoice(self.customer, 5000.0, "2024-05-15", "2024-06-15", currency=self.gbp)
        charge = self._charge(invoice, "2024-07-15")
        # Bank Rate 5.25 % on both dates + 8: 5000 * 13.25 % * 30 / 365 = 54.45; GBP 70 (1,000 to 9,999.99)
        self.assertEqual(self._lines(charge), [("COLL-INTEREST", 54.45), ("COLL-COMPENSATION", 70.0)])

    def test_germany_business_and_consumer(self):
        self.customer.collection_claim_rule = "de"
        consumer = self.env["res.partner"].create(
            {"name": "Max Mustermann", "collection_claim_rule": "de", "collection_customer_type": "consumer"}
        )
        business = self._invoice(self.customer, 2000.0, "2024-05-15", "2024-06-15", currency=self.eur)
        private = self._invoice(consumer, 2000.0, "2024-05-15", "2024-06-15", currency=self.eur)
        charge_b = self._charge(business, "2024-07-15")
        charge_c = self._charge(private, "2024-07-15")
        # Basiszinssatz 3.62 / 3.37: + 9 -> 10.37 and 10.17; + 5 -> 2000 * 8.62 % * 15/365 = 7.08, 8.37 % -> 6.88
        self.assertEqual(
            self._lines(charge_b),
            [("COLL-INTEREST", 10.37), ("COLL-INTEREST", 10.17), ("COLL-COMPENSATION", 40.0)],
        )
        self.assertEqual(self._lines(charge_c), [("COLL-INTEREST", 7.08), ("COLL-INTEREST", 6.88)])

    def test_france_and_contract_rate(self):
        self.customer.collection_claim_rule = "fr"
        invoice = self._invoice(self.customer, 2000.0, "2024-05-15", "2024-06-15", currency=self.eur)
        self.assertEqual(
            self._lines(self._charge(invoice, "2024-07-15")),
            [("COLL-INTEREST", 11.92), ("COLL-INTEREST", 11.71), ("COLL-COMPENSATION", 40.0)],
        )
        self.customer.collection_claim_rule = "contract"
        self.company.collection_contract_rate = 12.0
        other = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        # 1000 * 12 % * 29 / 365 = 9.53, no compensation under a contract rate
        self.assertEqual(self._lines(self._charge(other, "2024-02-29")), [("COLL-INTEREST", 9.53)])

    def test_netherlands_commercial_compounds(self):
        self.customer.collection_claim_rule = "nl"
        invoice = self._invoice(self.customer, 1000.0, "2023-03-01", "2023-03-31", currency=self.eur)
        charge = self._charge(invoice, "2024-04-30")
        interest = charge.invoice_line_ids.filtered(
            lambda line: line.product_id.default_code == "COLL-INTEREST"
        )
        # After 31 March 2024, the first year's interest is added to the basis.
        self.assertEqual(interest[0].name.split(" on ")[-1], "1,000.00\xa0€")
        self.assertNotIn("1,000.00", interest[-1].name.split(" on ")[-1])
        self.assertEqual(
            len(
                charge.invoice_line_ids.filtered(
                    lambda line: line.product_id.default_code == "COLL-COMPENSATION"
                )
            ),
            1,
        )

    def test_missing_rate_is_an_error_naming_the_half_year(self):
        invoice = self._invoice(self.customer, 1000.0, "2025-11-01", "2025-12-01", currency=self.eur)
        with self.assertRaisesRegex(UserError, "half-year 01/01/2026 to 06/30/2026"):
            self._charge(invoice, "2026-01-10")
        self.assertFalse(invoice.collection_claim_ids)
        self.env["collection.reference.rate"].create(
            {"series": "ecb", "date_from": "2026-01-01", "rate": 2.0, "source": "test"}
        )
        self.assertTrue(self._charge(invoice, "2026-01-10"))

    def test_rates_are_half_years(self):
        with self.assertRaisesRegex(Exception, "1 January or 1 July"):
            self.env["collection.reference.rate"].create(
                {"series": "ecb", "date_from": "2026-03-01", "rate": 2.0, "source": "test"}
            )

    # --- Dutch consumers: WIK only after the 14-day letter ----------------------------------

    def _fourteen_day_letter(self, partner, invoice, day):
        level = self.env.ref("account_collection.collection_level_nl_consumer_14_day")
        return (
            self.env["collection.communication"]
            .sudo()
            .create(
                {
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "date": day,
                    "level_id": level.id,
                    "currency_id": invoice.currency_id.id,
                    "channel_letter": True,
                    "letter_state": "sent",
                    "line_ids": [
                        Command.create(
                            {
                                "move_id": invoice.id,
                                "section": "overdue",
                                "currency_id": invoice.currency_id.id,
                                "amount_residual_currency": invoice.amount_residual,
                                "date_due": invoice.invoice_date_due,
                            }
                        )
                    ],
                }
            )
        )

    def test_consumer_without_14_day_letter_gets_no_wik(self):
        invoice = self._invoice(self.consumer, 3000.0, "2025-01-01", "2025-01-31", currency=self.eur)
        charge = self._charge(invoice, "2025-03-20")
        # Statutory consumer rate 6 %: 3000 * 6 % * 48 / 365 = 23.67; no collection costs.
        self.assertEqual(self._lines(charge), [("COLL-INTEREST", 23.67)])

    def test_wik_after_the_14_days(self):
        invoice = self._invoice(self.consumer, 3000.0, "2025-01-01", "2025-01-31", currency=self.eur)
        self._fourteen_day_letter(self.consumer, invoice, "2025-03-01")
        # Received 3 March, the 14 days are 4 to 17 March: not yet on 17 March.
        first = self._charge(invoice, "2025-03-17")
        self.assertEqual([code for code, _amount in self._lines(first)], ["COLL-INTEREST"])
        second = self._charge(invoice, "2025-03-18")
        self.assertEqual(self._lines(second), [("COLL-INTEREST", 0.49), ("COLL-COMPENSATION", 425.0)])
        self.assertIn("WIK", second.invoice_line_ids[-1].name)
        self.assertFalse(second.invoice_line_ids.tax_ids)

    def test_shipped_netherlands_consumer_policy(self):
        policy = self.env.ref("account_collection.collection_policy_nl_consumer")
        letter, costs = policy.level_ids.filtered("is_wik_notice"), policy.level_ids.sorted("offset_days")[-1]
        self.assertEqual(len(letter), 1)
        self.assertFalse(
            letter.claim_compensation, "the 14-day letter announces the costs, it does not claim them"
        )
        self.assertTrue(costs.claim_compensation and costs.claim_interest)
        self.assertGreaterEqual(policy.min_interval_days, 14 + self.company.collection_wik_receipt_days)

    # --- from the customer and the cockpit; waiving ------------------------------------------

    def test_charge_from_the_cockpit_for_several_customers(self):
        other = self.env["res.partner"].create({"name": "Other Late BV", "is_company": True})
        inv_a = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        inv_b = self._invoice(other, 2000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        partners = self.customer | other
        action = partners.action_collection_charge()
        self.assertEqual(action["context"]["active_model"], "res.partner")
        charges = self._charge(inv_a, "2024-02-29", model="res.partner", ids=partners.ids)
        self.assertEqual(len(charges), 2)
        self.assertEqual(charges.collection_charged_move_ids, inv_a | inv_b)
        self.assertEqual(set(charges.partner_id.ids), set(partners.ids))

    def test_waive_a_charge_and_an_invoice(self):
        invoice = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        charge = self._charge(invoice, "2024-02-29")
        wizard = Form(
            self.env["collection.claim.waive"].with_context(
                active_model="account.move", active_ids=charge.ids
            )
        )
        wizard.reason = "Goodwill: first delay"
        wizard.save().action_waive()
        self.assertEqual(charge.payment_state, "reversed")
        self.assertEqual(set(charge.collection_charge_claim_ids.mapped("state")), {"waived"})
        self.assertIn("Goodwill: first delay", charge.message_ids[0].body)
        self.assertIn("Goodwill", invoice.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "Nothing to charge"):
            self._charge(invoice, "2024-02-29")
        # Waiving the late invoice: no claims at all any more.
        invoice._collection_waive("Settled by phone")
        self.assertTrue(invoice.collection_claims_waived)
        self.assertFalse(invoice._collection_claims(date(2024, 6, 30)))

    def test_charge_invoices_bear_no_interest_by_default(self):
        invoice = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        charge = self._charge(invoice, "2024-02-29")
        charge.invoice_date_due = "2024-03-15"
        self.assertFalse(charge._collection_claims(date(2024, 6, 30)))
        self.company.collection_interest_on_charges = True
        self.assertTrue(charge._collection_claims(date(2024, 6, 30))[charge])

    def test_fees_of_a_level_once(self):
        level = self.policy_standard.level_ids.filtered(lambda level: level.offset_days == 7)
        level.write({"claim_fee_fixed": 15.0, "claim_fee_percent": 1.0})
        invoice = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        claims = invoice._collection_claims(
            date(2024, 2, 29), interest=False, compensation_=False, fee_level=level
        )
        self.assertEqual([(c["kind"], c["amount"]) for c in claims[invoice]], [("fee", 25.0)])

    def test_claims_are_evidence(self):
        invoice = self._invoice(self.customer, 1000.0, "2024-01-01", "2024-01-31", currency=self.eur)
        charge = self._charge(invoice, "2024-02-29")
        claim = charge.collection_charge_claim_ids[:1]
        with self.assertRaises(AccessError):
            claim.with_user(self.manager).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            invoice.with_user(self.accountant).write({"collection_claims_waived": True})
        with self.assertRaises(AccessError):
            charge.with_user(self.accountant).write({"collection_is_charge": False})
        with self.assertRaises(UserError):
            self.env["collection.charge"].with_context(active_model="res.users", active_ids=[1]).default_get(
                ["move_ids"]
            )


@tagged("post_install", "-at_install")
class TestClaimLetters(CollectionCommon):
    """The claims on the letter and in the email, in two languages, and the autopilot's charge."""

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
                "collection_go_live": "catch_up",
            }
        )
        cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.eur = cls.setup_other_currency("EUR")
        langs = ["nl_NL"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["account_collection"], langs, overwrite=True)
        cls.policy = cls.env["collection.policy"].create(
            {
                "name": "Claims",
                "level_ids": [
                    Command.create(
                        {
                            "name": "Formal demand",
                            "offset_days": 30,
                            "tone": "formal",
                            "is_final_notice": True,
                            "send_letter": True,
                            "send_email": True,
                            "claim_interest": True,
                            "claim_compensation": True,
                            "mail_template_id": cls.env.ref(
                                "account_collection.mail_template_collection_final"
                            ).id,
                        }
                    ),
                ],
            }
        )
        cls.company.collection_policy_id = cls.policy
        address = {"street": "Dorpsstraat 12", "zip": "3500 AA", "city": "Utrecht"}
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Brown Ltd", "lang": "en_US", "is_company": True, "email": "a@brown.example", **address}
        )
        cls.customer_nl = cls.env["res.partner"].create(
            {
                "name": "Bakkerij de Vries",
                "lang": "nl_NL",
                "is_company": True,
                "email": "b@vries.example",
                **address,
            }
        )
        cls.report = cls.env.ref("account_collection.action_report_collection_letter")

    def _send(self, partner, day):
        with freeze_time(day):
            return self.env["collection.autopilot"].sudo()._run(self.company, partners=partner, manual=True)

    def test_claims_on_letter_and_email_in_two_languages(self):
        inv_en = self._invoice(self.customer_en, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        inv_nl = self._invoice(self.customer_nl, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        comm_en = self._send(self.customer_en, "2025-04-30")
        comm_nl = self._send(self.customer_nl, "2025-04-30")
        # 1210 * 11.15 % * 61 / 365 = 22.55, + EUR 40: 1,272.55 in all
        html_en = _text(self.env["ir.actions.report"]._render_qweb_html(self.report, comm_en.ids)[0])
        self.assertIn(
            f"{inv_en.name}: interest at 11.15 % from March 1, 2025 to April 30, 2025 on 1,210.00 € 22.55 €",
            html_en.replace("\xa0", " "),
        )
        self.assertIn("22.55", html_en)
        self.assertIn("fixed compensation for recovery costs", html_en)
        self.assertIn("1,272.55", html_en)
        self.assertIn("one thousand, two hundred and seventy-two euros and fifty-five cents", html_en)
        html_nl = _text(self.env["ir.actions.report"]._render_qweb_html(self.report, comm_nl.ids)[0])
        self.assertIn(f"{inv_nl.name}: rente van 11,15 % van 1 maart 2025 tot en met 30 april 2025", html_nl)
        self.assertIn("Totaal inclusief rente en kosten", html_nl)
        self.assertIn("duizendtweehonderdtweeënzeventig euro", html_nl)
        template = self.env.ref("account_collection.mail_template_collection_final")
        body_nl = _text(template._render_field("body_html", comm_nl.ids, compute_lang=True)[comm_nl.id])
        self.assertIn("rente van 11,15 %", body_nl)
        self.assertIn("1.272,55", body_nl)
        body_en = _text(template._render_field("body_html", comm_en.ids, compute_lang=True)[comm_en.id])
        self.assertIn("Total including interest and costs", body_en)

    def test_autopilot_charges_at_a_level(self):
        self.policy.level_ids.claim_auto_charge = True
        invoice = self._invoice(self.customer_en, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        comm = self._send(self.customer_en, "2025-04-30")
        charge = invoice.collection_claim_ids.charge_move_id
        self.assertEqual(len(charge), 1)
        self.assertEqual(charge.amount_total, 62.55)
        self.assertEqual(invoice.collection_claim_ids.communication_id, comm)
        # The letter printed afterwards still shows what its level charged.
        html = _text(self.env["ir.actions.report"]._render_qweb_html(self.report, comm.ids)[0])
        self.assertIn("1,272.55", html)
        # Sent again by hand the same day: the periods and the compensation are charged already.
        self.assertTrue(self._send(self.customer_en, "2025-04-30"))
        self.assertEqual(len(invoice.collection_claim_ids.charge_move_id), 1)

    def test_statement_shows_the_claims(self):
        self._invoice(self.customer_en, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        values = self.customer_en._collection_statement_claims(date(2025, 4, 30))
        self.assertEqual(values["currencies"][0]["claims"], 62.55)
        self.assertEqual(values["currencies"][0]["total"], 1272.55)

    def test_query_count_of_claims_does_not_grow_with_invoices(self):
        def make(count, start):
            partners = self.env["res.partner"].create(
                [
                    {
                        "name": f"Q{start + i}",
                        "email": f"q{start + i}@example.com",
                        "street": "S 1",
                        "city": "C",
                    }
                    for i in range(count)
                ]
            )
            for partner in partners:
                for _i in range(3):
                    self._invoice(partner, 100.0, "2025-02-01", "2025-02-28", currency=self.eur)
            return partners

        small = make(2, 0)
        large = make(12, 100)
        self.env.invalidate_all()
        with freeze_time("2025-04-30"):
            autopilot = self.env["collection.autopilot"].sudo()
            autopilot._run(self.company, partners=small[:1])  # warm the caches of templates and levels
            self.env.invalidate_all()
            queries = self.env.cr.sql_log_count
            autopilot._run(self.company, partners=small[1:])
            small_count = self.env.cr.sql_log_count - queries
            self.env.invalidate_all()
            queries = self.env.cr.sql_log_count
            comms = autopilot._run(self.company, partners=large)
            large_count = self.env.cr.sql_log_count - queries
        self.assertEqual(len(comms), 12)
        body = self.env["mail.mail"].search([("mail_message_id", "=", comms[0].mail_message_id.id)]).body_html
        self.assertIn("Total including interest and costs", _text(body))
        self.assertLessEqual(
            large_count, small_count + 2, f"{small_count} queries for 3 invoices, {large_count} for 36"
        )

    def test_statement_pdf_lists_the_claims(self):
        self._invoice(self.customer_nl, 1210.0, "2025-02-01", "2025-02-28", currency=self.eur)
        report = self.env.ref("account_collection.action_report_collection_statement")
        with freeze_time("2025-04-30"):
            html = _text(self.env["ir.actions.report"]._render_qweb_html(report, self.customer_nl.ids)[0])
        self.assertIn("rente van 11,15 % van 1 maart 2025 tot en met 30 april 2025", html)
        self.assertIn("Totaal inclusief rente en kosten", html)
        self.assertIn("1.272,55", html)

    def test_14_day_letter_announces_the_wik_costs(self):
        consumer = self.env["res.partner"].create(
            {
                "name": "Piet Klant",
                "lang": "nl_NL",
                "street": "Kerkstraat 1",
                "city": "Utrecht",
                "email": "piet@klant.example",
                "collection_claim_rule": "nl",
                "collection_customer_type": "consumer",
                "collection_policy_id": self.env.ref("account_collection.collection_policy_nl_consumer").id,
            }
        )
        self._invoice(consumer, 3000.0, "2025-01-01", "2025-01-31", currency=self.eur)
        comm = self._send(consumer, "2025-02-21")
        self.assertTrue(comm.level_id.is_wik_notice)
        html = _text(self.env["ir.actions.report"]._render_qweb_html(self.report, comm.ids)[0])
        self.assertIn("binnen 14 dagen, te rekenen vanaf de dag na ontvangst van deze brief", html)
        self.assertIn("425,00", html)
