from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.tests import Form, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCockpitClerks(CollectionCommon):
    """What the clerk reads in the cockpit: amounts in the customer's currency, why a customer is
    not previewed, contact columns, and one timeline per customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        # 1 company currency = 1.25 EUR.
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 1.25)])
        cls.euro_customer = cls.env["res.partner"].create({"name": "Euro Customer", "email": "e@x.example"})
        cls.home_customer = cls.env["res.partner"].create({"name": "Home Customer", "email": "h@x.example"})
        cls.euro_invoices = cls._invoice(
            cls.euro_customer, 500.0, "2026-01-01", "2026-01-31", currency=cls.eur
        ) | cls._invoice(cls.euro_customer, 750.0, "2026-01-05", "2026-02-04", currency=cls.eur)
        cls.home_invoice = cls._invoice(cls.home_customer, 300.0, "2026-01-01", "2026-01-31")

    def _cockpit(self, partners):
        return self.env["res.partner"].with_user(self.clerk).with_company(self.company).browse(partners.ids)

    # 1. Amounts in the customer's currency ------------------------------------------------------

    def test_amounts_in_the_customers_currency_and_company_currency(self):
        with freeze_time("2026-02-20"):
            euro, home = self._cockpit(self.euro_customer | self.home_customer)
            self.assertEqual(euro.collection_currency_id, self.eur)
            self.assertAlmostEqual(euro.collection_overdue_amount, 1250.0)
            self.assertAlmostEqual(euro.collection_due_amount, 1250.0)
            self.assertEqual(euro.collection_company_currency_id, self.company.currency_id)
            self.assertAlmostEqual(euro.collection_overdue_amount_company, 1000.0)
            self.assertAlmostEqual(euro.collection_due_amount_company, 1000.0)
            self.assertEqual(home.collection_currency_id, self.company.currency_id)
            self.assertAlmostEqual(home.collection_overdue_amount, 300.0)
            self.assertAlmostEqual(home.collection_overdue_amount_company, 300.0)
        arch = etree.fromstring(self.env.ref("account_collection.res_partner_view_list_collection").arch)
        summed = {node.get("name") for node in arch.xpath("//field[@sum]")}
        self.assertFalse(
            summed & {"collection_overdue_amount", "collection_due_amount"},
            "amounts in several customers' currencies are never added up",
        )
        self.assertIn("collection_overdue_amount_company", summed)

    def test_promise_and_doubtful_wizard_show_both_currencies(self):
        promise = self.env["collection.promise"].create(
            {
                "partner_id": self.euro_customer.id,
                "move_ids": [Command.set(self.euro_invoices[:1].ids)],
                "date": "2026-03-01",
                "amount": 500.0,
            }
        )
        self.assertEqual(promise.currency_id, self.eur)
        self.assertAlmostEqual(promise.amount_company, 400.0)
        self.assertEqual(promise.company_currency_id, self.company.currency_id)
        with freeze_time("2026-02-20"):
            form = Form(
                self.env(user=self.accountant)["collection.doubtful"].with_context(
                    active_model="account.move", active_ids=self.euro_invoices.ids
                )
            )
            form.reason = "Customer in difficulty"
            wizard = form.save()
        self.assertEqual(wizard.currency_id, self.eur)
        self.assertAlmostEqual(wizard.amount_total_currency, 1250.0)
        self.assertAlmostEqual(wizard.amount_total, 1000.0)
        with freeze_time("2026-02-20"):
            mixed = (
                self.env(user=self.accountant)["collection.doubtful"]
                .with_context(
                    active_model="account.move", active_ids=(self.euro_invoices | self.home_invoice).ids
                )
                .create({"reason": "Mixed"})
            )
        self.assertEqual(mixed.currency_id, self.company.currency_id, "mixed currencies: company currency")
        self.assertAlmostEqual(mixed.amount_total_currency, 1300.0)

    # 2. Why a customer is not previewed ---------------------------------------------------------

    def test_preview_says_why_each_customer_is_not_previewed(self):
        paused = self.env["res.partner"].create({"name": "Paused Customer", "email": "p@x.example"})
        self._invoice(paused, 200.0, "2026-01-01", "2026-01-31")
        nothing = self.env["res.partner"].create({"name": "Paid Customer", "email": "n@x.example"})
        with freeze_time("2026-02-20"):
            pause_context = {"active_model": "res.partner", "active_ids": paused.ids}
            with Form(
                self.env["collection.pause"].with_user(self.clerk).with_context(**pause_context)
            ) as form:
                form.date_until = "2026-03-15"
                form.note = "Waiting for his bank"
            form.record.action_confirm()
            context = {
                "active_model": "res.partner",
                "active_ids": (self.home_customer | paused | nothing).ids,
            }
            preview = Form(
                self.env["collection.preview"].with_user(self.clerk).with_context(**context)
            ).save()
        self.assertEqual(preview.line_ids.partner_id, self.home_customer, "only the customer not paused")
        note = preview.skipped_note
        self.assertIn("Paused Customer: Paused by hand until 2026-03-15", note)
        self.assertIn("Paid Customer: Nothing overdue and nothing coming due soon.", note)
        with freeze_time("2026-02-20"):
            action = preview.action_send()
        sent = self.env["collection.communication"].search(action["domain"])
        self.assertEqual(sent.partner_id, self.home_customer, "sending from the preview skips the paused")

    def test_preview_explains_payment_plan_and_no_auto(self):
        self.home_customer.with_company(self.company).sudo().collection_no_auto = True
        planned = self.env["collection.autopilot"]
        with freeze_time("2026-02-20"):
            previews, skipped = planned.sudo()._preview(self.company, self.euro_customer)
            self.assertTrue(previews, "a customer with something due is previewed")
            self.home_invoice.sudo().collection_exclude = True
            previews, skipped = planned.sudo()._preview(self.company, self.home_customer)
        self.assertFalse(previews)
        self.assertIn("Everything overdue is paused", skipped[self.home_customer])

    # 3. Contact columns -------------------------------------------------------------------------

    def test_last_contact_and_promised_date(self):
        with freeze_time("2026-02-03"):
            self.env["collection.autopilot"].sudo()._run(self.company, partners=self.home_customer)
        home = self._cockpit(self.home_customer)
        self.assertEqual(home.collection_last_contact_date, date(2026, 2, 3), "the last reminder")
        self.assertFalse(home.collection_promise_deadline)
        with freeze_time("2026-02-10"):
            context = {"active_model": "res.partner", "active_ids": self.home_customer.ids}
            with Form(self.env["collection.call"].with_user(self.clerk).with_context(**context)) as form:
                form.outcome = "promise"
                form.promise_date = "2026-02-25"
            form.record.action_confirm()
            home = self._cockpit(self.home_customer)
            home.invalidate_recordset()
            self.assertEqual(home.collection_last_contact_date, date(2026, 2, 10), "the call")
            promise = self.env["collection.promise"].search([("partner_id", "=", self.home_customer.id)])
            self.assertEqual(home.collection_promise_deadline, promise.deadline)
            self.assertGreaterEqual(promise.deadline, date(2026, 2, 25))
        arch = etree.fromstring(self.env.ref("account_collection.res_partner_view_list_collection").arch)
        for name in (
            "collection_last_contact_date",
            "collection_promise_deadline",
            "collection_effective_policy_id",
        ):
            self.assertTrue(
                arch.xpath(f"//field[@name='{name}'][@optional]"), f"{name} is an optional column"
            )

    # 4. One timeline ----------------------------------------------------------------------------

    def test_timeline_lists_everything_newest_first(self):
        customer = self.home_customer
        with freeze_time("2026-02-03"):
            self.env["collection.autopilot"].sudo()._run(self.company, partners=customer)
        with freeze_time("2026-02-05"):
            context = {"active_model": "res.partner", "active_ids": customer.ids}
            with Form(self.env["collection.call"].with_user(self.clerk).with_context(**context)) as form:
                form.outcome = "dispute"
                form.note = "Says the service was late"
            form.record.action_confirm()
        with freeze_time("2026-02-07"):
            with Form(self.env["collection.pause"].with_user(self.clerk).with_context(**context)) as form:
                form.date_until = "2026-02-28"
                form.note = "On holiday"
            form.record.action_confirm()
        timeline = self._cockpit(customer).collection_timeline
        for text in ("Reminder", "Call", "Dispute", "Pause", "On holiday"):
            self.assertIn(text, timeline)
        self.assertLess(timeline.index("On holiday"), timeline.index("Reminder"), "newest first")
        empty = self._cockpit(self.euro_customer).collection_timeline
        self.assertIn("Nothing happened in collections yet.", empty)

    def test_timeline_queries_do_not_grow_per_customer(self):
        customers = self.env["res.partner"].create([{"name": f"Timeline {i}"} for i in range(6)])
        for customer in customers:
            self._invoice(customer, 100.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-02-03"):
            self.env["collection.autopilot"].sudo()._run(self.company, partners=customers)
        counts = []
        # The first read warms the caches (references, access rules); then 2 and 6 customers.
        for batch in (customers[:1], customers[1:3], customers):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self._cockpit(batch).mapped("collection_timeline")
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[1], counts[2], "the timeline is loaded in grouped queries, not per customer")
