from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestInstall(CollectionCommon):
    def test_shipped_policies(self):
        self.assertEqual(
            self.policy_standard.level_ids.sorted("offset_days").mapped("offset_days"), [-3, 3, 7, 11]
        )
        self.assertEqual(
            self.policy_extended.level_ids.sorted("offset_days").mapped("offset_days"),
            [22, 29, 45, 60, 75, 90, 120, 135, 150],
        )
        final = self.policy_extended.level_ids.filtered("is_final_notice")
        self.assertEqual(final.offset_days, 120)
        self.assertTrue(final.registered_letter and final.send_letter)
        # A company created after installation gets the Standard policy by default.
        self.assertEqual(self.env.company.collection_policy_id, self.policy_standard)
        self.assertTrue(self.env.company.collection_autopilot)

    def test_groups_follow_accounting_groups(self):
        self.assertTrue(self.accountant.has_group("account_collection.group_collection_user"))
        self.assertFalse(self.accountant.has_group("account_collection.group_collection_manager"))
        self.assertTrue(
            self.env.ref("base.user_admin").has_group("account_collection.group_collection_manager")
        )
        self.assertTrue(self.clerk.has_group("account.group_account_invoice"))
        self.assertFalse(self.clerk.has_group("account.group_account_manager"))

    def test_clerk_reads_but_cannot_edit_policies(self):
        policy = self.policy_standard.with_user(self.clerk)
        self.assertEqual(policy.level_ids.mapped("name")[0], "Courtesy reminder")
        with self.assertRaises(AccessError):
            policy.name = "Mine"
        with self.assertRaises(AccessError):
            self.env["collection.policy"].with_user(self.clerk).create({"name": "Clerk's policy"})
        # The manager can.
        copy = self.policy_standard.with_user(self.manager).copy()
        self.assertEqual(copy.name, "Standard (copy)")
        self.assertEqual(len(copy.level_ids), 4)

    def test_level_needs_a_channel(self):
        with self.assertRaisesRegex(ValidationError, "no channel"):
            self.env["collection.level"].create(
                {"policy_id": self.policy_standard.id, "name": "Silent", "offset_days": 30}
            )

    def test_policies_are_company_bound(self):
        other = self.setup_other_company(name="Collections Other Co")["company"]
        private = self.env["collection.policy"].create({"name": "Other only", "company_id": other.id})
        visible = self.env["collection.policy"].with_user(self.manager).search([])
        self.assertIn(self.policy_standard, visible)
        self.assertNotIn(private, visible)

    def test_settings_switch_autopilot_and_default_policy(self):
        self.env["res.config.settings"].create(
            {"collection_autopilot": False, "collection_policy_id": self.policy_extended.id}
        ).execute()
        self.assertFalse(self.env.company.collection_autopilot)
        self.assertEqual(self.env.company.collection_policy_id, self.policy_extended)

    @freeze_time("2026-03-31")
    def test_cockpit_amounts(self):
        customer = self.partner_a
        late = self._invoice(customer, 1000.0, "2026-01-10", "2026-02-09")
        self._invoice(customer, 300.0, "2026-03-20", "2026-04-19")  # not due yet
        self._pay(late, 400.0, "2026-03-01")
        customer.invalidate_recordset()
        self.assertAlmostEqual(customer.collection_overdue_amount, 600.0)
        self.assertAlmostEqual(customer.collection_due_amount, 900.0)
        self.assertEqual(str(customer.collection_oldest_due_date), "2026-02-09")
        self.assertEqual(customer.collection_days_late, 50)
        # The cockpit's domain finds the customer; a paid-up customer is not in it.
        self._pay(self._invoice(self.partner_b, 50.0, "2026-01-01", "2026-01-31"), 50.0, "2026-02-01")
        found = self.env["res.partner"].with_user(self.clerk).search([("collection_overdue_amount", ">", 0)])
        self.assertIn(customer, found)
        self.assertNotIn(self.partner_b, found)
        action = customer.with_user(self.clerk).action_open_collection_invoices()
        self.assertEqual(
            self.env["account.move"].search(action["domain"]).mapped("amount_residual"), [300.0, 600.0]
        )
