from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionTour(CollectionCommon, HttpCase):
    def test_collection_menu_tour(self):
        """A clerk opens Accounting > Customers > Collections, finds the overdue customer and logs
        a call in which the customer disputes the invoice."""
        customer = self.env["res.partner"].create({"name": "Tour Overdue Customer"})
        self._invoice(customer, 500.0, "2020-01-01", "2020-01-31")
        self.start_tour("/odoo", "account_collection_menu_tour", login=self.clerk.login)
        dispute = self.env["collection.dispute"].search([("partner_id", "=", customer.id)])
        self.assertEqual(dispute.note, "Invoice disputed on the phone")
        self.assertEqual(dispute.move_ids, customer.invoice_ids)
        self.assertEqual(customer.with_company(self.env.company).collection_pause_reason, "dispute")


@tagged("post_install", "-at_install")
class TestProvisionMatrixTour(CollectionCommon, HttpCase):
    def test_provision_matrix_tour(self):
        """An accountant opens the matrix in its wide dialog, reads the bucket summary and the invoice
        left as booked by hand, leaves one invoice out and posts."""
        today = fields.Date.today()
        company = self.env.company
        late = self.env["res.partner"].create({"name": "Tour Late Customer"})
        skipped = self.env["res.partner"].create({"name": "Tour Skipped Customer"})
        judged = self.env["res.partner"].create({"name": "Tour Judged Customer"})
        late_invoice = self._invoice(late, 1000.0, today - timedelta(days=75), today - timedelta(days=45))
        skipped_invoice = self._invoice(
            skipped, 1000.0, today - timedelta(days=95), today - timedelta(days=65)
        )
        judged_invoice = self._invoice(judged, 1000.0, today - timedelta(days=10), today + timedelta(days=20))
        judged_invoice._collection_mark_doubtful(today, 100.0, "Customer in difficulty")
        self.assertTrue(company.collection_allowance_account_id)
        self.start_tour("/odoo", "account_collection_provision_matrix_tour", login=self.accountant.login)
        (late_invoice | skipped_invoice | judged_invoice).invalidate_recordset()
        self.assertEqual(late_invoice.collection_provision_amount, 100.0, "10% for 31-60 days late")
        self.assertEqual(skipped_invoice.collection_provision_amount, 0.0, "left out")
        self.assertEqual(judged_invoice.collection_provision_amount, 1000.0, "booked by hand: kept")

    def test_level_text_tour(self):
        """A manager rewrites a level's introduction in the level form, then previews the email a
        customer would receive: it says the new words."""
        policy = self.env["collection.policy"].create(
            {
                "name": "Tour Policy",
                "level_ids": [
                    Command.create(
                        {"name": "Tour reminder", "offset_days": 5, "tone": "friendly", "send_email": True}
                    )
                ],
            }
        )
        self.env.company.collection_policy_id = policy
        customer = self.env["res.partner"].create(
            {"name": "Tour Text Customer", "email": "tour@example.com", "street": "1 Road", "city": "Town"}
        )
        self._invoice(customer, 500.0, "2020-01-01", "2020-01-31")
        self.start_tour(
            "/odoo/collection-policies", "account_collection_level_text_tour", login=self.manager.login
        )
        level = policy.level_ids.with_context(lang="en_US")
        self.assertIn("Our own words, in {document}.", level.text_intro)
        self.assertIn("please disregard {document}", level.text_intro, "the rest of the text is kept")
