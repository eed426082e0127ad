from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestCockpit(CollectionCommon):
    """What a clerk sees and does in the Collections list: status columns, calls, pauses, preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.levels = cls.policy_standard.level_ids.sorted("offset_days")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Cockpit Customer",
                "email": "c@cockpit.example",
                "street": "Kerkstraat 1",
                "city": "Gent",
            }
        )
        cls.invoice = cls._invoice(cls.customer, 800.0, "2026-01-01", "2026-01-31")

    def _run(self, day, **kwargs):
        with freeze_time(day):
            return self.env["collection.autopilot"].sudo()._run(self.company, **kwargs)

    def _call(self, day, **values):
        with freeze_time(day):
            context = {"active_model": "res.partner", "active_ids": self.customer.ids}
            with Form(self.env["collection.call"].with_user(self.clerk).with_context(**context)) as form:
                for name, value in values.items():
                    setattr(form, name, value)
            wizard = form.save()
            return wizard.action_confirm()

    def test_status_columns_follow_the_autopilot(self):
        _courtesy, first, second, _last = self.levels
        self._run("2026-02-03")
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.collection_level_id, first)
        self.assertEqual(partner.collection_next_level_id, second)
        self.assertEqual(partner.collection_next_date, fields.Date.to_date("2026-02-07"))
        self.assertFalse(partner.collection_pause_reason)
        with freeze_time("2026-02-07"):
            Partner = self.env["res.partner"].with_user(self.clerk)
            due = Partner.search(
                [("collection_next_date", "<=", "2026-02-07"), ("id", "=", self.customer.id)]
            )
            self.assertEqual(due, self.customer, "'Action due today' lists the customer on the 7th")
            groups = Partner._read_group(
                [("id", "=", self.customer.id)], ["collection_level_id"], ["__count"]
            )
            self.assertEqual(groups, [(first, 1)], "the cockpit groups customers by level reached")
        self._pay(self.invoice, 800.0, "2026-02-05")
        self._run("2026-02-06")
        self.assertFalse(partner.collection_level_id, "a customer who paid leaves the cockpit columns")
        self.assertFalse(partner.collection_next_date)

    def test_log_call_with_promise(self):
        self._run("2026-03-01")
        activity = self.customer.activity_schedule(
            "mail.mail_activity_data_call", summary="Collections call", user_id=self.clerk.id
        )
        action = self._call("2026-03-02", outcome="promise", promise_date="2026-03-10")
        self.assertEqual(
            action["params"]["next"]["type"], "ir.actions.act_window_close", "back to the cockpit"
        )
        promise = self.env["collection.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.move_ids, self.invoice)
        self.assertEqual(promise.amount, 800.0, "the promise defaults to what is overdue")
        self.assertEqual(promise.partner_id, self.customer)
        self.assertFalse(activity.active, "logging the call marks the planned call task done")
        with freeze_time("2026-03-02"):
            self.assertEqual(self.customer.with_company(self.company).collection_pause_reason, "promise")
            self.assertEqual(self.invoice.collection_pause_reason, "promise")
        note = self.customer.message_ids.filtered(lambda msg: "Collections call" in (msg.body or ""))
        self.assertTrue(note and "Promise to pay" in note[0].body)
        with self.assertRaisesRegex(ValidationError, "cannot be in the past"):
            self._call("2026-03-02", outcome="promise", promise_date="2026-03-01")

    def test_log_call_with_dispute_and_no_answer(self):
        self._call("2026-02-03", outcome="dispute", dispute_reason="quality", note="Broken parts")
        dispute = self.env["collection.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(dispute.move_ids, self.invoice)
        self.assertEqual(dispute.reason, "quality")
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.collection_pause_reason, "dispute")
        self.assertFalse(self._run("2026-02-10"), "a disputed invoice is not reminded")
        with freeze_time("2026-02-11"):
            dispute.with_user(self.clerk).action_resolve()
        self.assertFalse(partner.collection_pause_reason)
        self.assertTrue(self._run("2026-02-11"), "resolved: reminders resume")

        result = self._call("2026-02-12", outcome="no_answer", next_call_date="2026-02-14")
        self.assertEqual(result["params"]["next"]["type"], "ir.actions.act_window_close")
        follow_up = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("date_deadline", "=", "2026-02-14"),
            ]
        )
        self.assertEqual(follow_up.activity_type_id, self.env.ref("mail.mail_activity_data_call"))

    def test_pause_and_resume(self):
        with freeze_time("2026-02-02"):
            context = {"active_model": "res.partner", "active_ids": self.customer.ids}
            form = Form(self.env["collection.pause"].with_user(self.clerk).with_context(**context))
            form.date_until = "2026-02-20"
            form.note = "Waiting for their purchase order"
            form.save().action_confirm()
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.collection_pause_reason, "manual")
        self.assertEqual(partner.collection_next_date, fields.Date.to_date("2026-02-21"))
        self.assertFalse(self._run("2026-02-03"), "paused by hand")
        self.assertFalse(self._run("2026-02-20"), "paused until the 20th included")
        comm = self._run("2026-02-21")
        self.assertEqual(comm.level_id, self.levels[1], "after the pause, the customer's first reminder")

        other = self._invoice(self.customer, 50.0, "2026-02-01", "2026-02-15")
        with freeze_time("2026-02-22"):
            partner.write({"collection_pause_until": "2026-03-31", "collection_pause_note": "Holidays"})
            partner.with_user(self.clerk).action_collection_resume()
        self.assertFalse(partner.collection_pause_until)
        self.assertEqual(
            partner.collection_next_date, fields.Date.to_date("2026-02-25"), "4 days after the last"
        )
        self.assertFalse(self._run("2026-02-24"))
        comm = self._run("2026-02-25")
        self.assertEqual(comm.level_id, self.levels[2], "one level up, with the new invoice")
        self.assertEqual(other.collection_level_id, self.levels[2])

    def test_preview_sends_nothing(self):
        with freeze_time("2026-02-03"):
            context = {"active_model": "res.partner", "active_ids": self.customer.ids}
            preview = Form(
                self.env["collection.preview"].with_user(self.clerk).with_context(**context)
            ).save()
        line = preview.line_ids
        self.assertEqual(line.partner_id, self.customer)
        self.assertEqual(line.level_id, self.levels[1])
        self.assertEqual(line.amount_overdue, 800.0)
        self.assertIn(self.invoice.name, line.email_body)
        self.assertEqual(line.channels, "email")
        self.assertFalse(self.env["collection.communication"].search([("partner_id", "=", self.customer.id)]))
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.customer.ids)]))
        self.assertFalse(self.invoice.collection_level_id, "a preview moves no invoice to a level")
        with freeze_time("2026-02-03"):
            action = preview.action_send()
        sent = self.env["collection.communication"].search(action["domain"])
        self.assertEqual(sent.level_id, self.levels[1])
        self.assertEqual(self.invoice.collection_level_id, self.levels[1])

    def test_access(self):
        """A clerk works the cockpit but cannot resume without the collections group, nor edit policies."""
        outsider = self.env["res.users"].create(
            {
                "name": "Sales only",
                "login": "sales_only",
                "group_ids": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(outsider).action_collection_resume()
        with self.assertRaises(AccessError):
            self.env["collection.call"].with_user(outsider).with_context(
                active_model="res.partner", active_ids=self.customer.ids
            ).create({"partner_id": self.customer.id, "outcome": "no_answer"})
