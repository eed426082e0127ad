from odoo.tests import HttpCase, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCollectionTour(CollectionCommon, HttpCase):
    def test_collection_menu_tour(self):
        """A clerk opens Accounting > Customers > Collections and finds the overdue customer."""
        customer = self.env["res.partner"].create({"name": "Tour Overdue Customer"})
        self._invoice(customer, 500.0, "2020-01-01", "2020-01-31")
        self.start_tour("/odoo", "account_collection_menu_tour", login=self.clerk.login)
