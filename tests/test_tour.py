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
