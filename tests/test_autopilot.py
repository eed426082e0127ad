from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestAutopilot(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Reminded Customer",
                "email": "pay@reminded.example",
                "phone": "+32 470 12 34 56",
                "street": "Rue Haute 1",
                "city": "Brussels",
                "zip": "1000",
            }
        )

    def _run(self, day, **kwargs):
        with freeze_time(day):
            # As the cron does: only the addon, as superuser, writes the reminder history.
            return self.env["collection.autopilot"].sudo()._run(self.company, **kwargs)

    def _levels(self, policy):
        return policy.level_ids.sorted("offset_days")

    def test_standard_timeline(self):
        """Courtesy before due, then 3/7/11 days after due, each once, escalating channels."""
        invoice = self._invoice(self.customer, 1000.0, "2026-02-10", "2026-03-10")
        courtesy, first, second, last = self._levels(self.policy_standard)

        self.assertFalse(self._run("2026-03-06"), "4 days before due: nothing yet")
        comm = self._run("2026-03-07")
        self.assertEqual(comm.level_id, courtesy)
        self.assertTrue(comm.channel_email and not comm.channel_sms and not comm.channel_letter)
        self.assertEqual(comm.email_state, "queued")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(invoice.name, mail.body_html)
        self.assertEqual(invoice.collection_level_id, courtesy)
        self.assertFalse(self._run("2026-03-07"), "a second run on the same day sends nothing")
        self.assertFalse(self._run("2026-03-12"), "2 days late: the first reminder is not due yet")

        comm = self._run("2026-03-13")
        self.assertEqual(comm.level_id, first)
        self.assertEqual(comm.line_ids.days_late, 3)
        self.assertEqual(comm.amount_overdue, 1000.0)

        comm = self._run("2026-03-17")
        self.assertEqual(comm.level_id, second)
        self.assertTrue(comm.channel_email and comm.channel_sms)
        self.assertEqual(comm.sms_id.partner_id, self.customer)
        self.assertEqual(comm.sms_id.state, "outgoing")
        self.assertIn("1,000.00", comm.sms_id.body)
        self.assertLessEqual(len(comm.sms_id.body), 320)

        comm = self._run("2026-03-21")
        self.assertEqual(comm.level_id, last)
        self.assertEqual(comm.letter_state, "to_print")
        self.assertEqual(comm.state, "queued")
        self.assertFalse(self._run("2026-04-30"), "no level beyond the last one")
        self.assertEqual(
            self.env["collection.communication"].search_count([("partner_id", "=", self.customer.id)]), 4
        )
        # The letter goes into the post.
        comm.email_state = "sent"
        comm.action_mark_letter_sent()
        self.assertEqual(comm.state, "sent")

    def test_extended_policy_crossings(self):
        self.customer.with_company(self.company).collection_policy_id = self.policy_extended
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-01")
        days = {
            22: "2026-01-23",
            29: "2026-01-30",
            45: "2026-02-15",
            60: "2026-03-02",
            75: "2026-03-17",
            90: "2026-04-01",
            120: "2026-05-01",
            135: "2026-05-16",
            150: "2026-05-31",
        }
        for level in self._levels(self.policy_extended):
            comm = self._run(days[level.offset_days])
            self.assertEqual(comm.level_id, level, f"day {level.offset_days}")
        final = self.env["collection.communication"].search(
            [("partner_id", "=", self.customer.id), ("is_final_notice", "=", True)]
        )
        self.assertTrue(final.channel_letter and final.registered_letter)
        calls = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_call").id),
            ]
        )
        self.assertEqual(len(calls), 2, "calls at 29 and 60 days")

    def test_one_communication_per_customer(self):
        old = self._invoice(self.customer, 300.0, "2026-01-01", "2026-02-01")
        new = self._invoice(self.customer, 200.0, "2026-02-01", "2026-02-25")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-02-20",
                "invoice_line_ids": [Command.create({"name": "Credit", "price_unit": 50.0, "tax_ids": []})],
            }
        )
        refund.action_post()
        comm = self._run("2026-03-01")
        self.assertEqual(len(comm), 1)
        # The customer's first reminder is the first level, whatever the age of his invoices;
        # both invoices are listed in it.
        first = self._levels(self.policy_standard)[1]
        self.assertEqual(comm.level_id, first)
        self.assertEqual(old.collection_level_id, first)
        self.assertEqual(new.collection_level_id, first)
        self.assertEqual(self.customer.with_company(self.company).collection_level_id, first)
        self.assertEqual(set(comm.line_ids.move_id.ids), {old.id, new.id, refund.id})
        self.assertEqual(comm.line_ids.filtered(lambda line: line.section == "credit").move_id, refund)
        self.assertEqual(comm.amount_overdue, 500.0)
        self.assertEqual(comm.amount_credits, 50.0)
        self.assertEqual(comm.amount_claimed, 450.0, "the credit note is deducted")

    def test_partial_payment_and_instalments(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._pay(invoice, 400.0, "2026-02-01")
        comm = self._run("2026-02-03")
        self.assertEqual(comm.line_ids.amount_residual, 600.0)

        term = self.env["account.payment.term"].create(
            {
                "name": "Two instalments",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        other = self.env["res.partner"].create({"name": "Instalment Customer", "email": "i@example.com"})
        split = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": other.id,
                "invoice_date": "2026-02-01",
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [Command.create({"name": "Work", "price_unit": 800.0, "tax_ids": []})],
            }
        )
        split.action_post()
        # Pay the first instalment exactly: reconcile a payment with its receivable line only.
        first_line = split.line_ids.filtered(lambda line: line.account_type == "asset_receivable").sorted(
            "date_maturity"
        )[0]
        payment = self.env["account.payment"].create(
            {
                "amount": 400.0,
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": other.id,
                "date": "2026-02-02",
            }
        )
        payment.action_post()
        (
            payment.move_id.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
            | first_line
        ).reconcile()
        courtesy, first = self._levels(self.policy_standard)[:2]
        # The first instalment (due 2026-02-01) is paid: only the second one, due 2026-03-03,
        # counts, so on 2026-03-02 the customer gets the courtesy reminder, not a late one.
        comm = self._run("2026-03-02", partners=other)
        self.assertEqual(comm.level_id, courtesy)
        self.assertEqual(comm.line_ids.date_due, fields.Date.to_date("2026-03-03"))
        self.assertEqual(comm.line_ids.days_late, -1)
        comm = self._run("2026-03-06", partners=other)
        self.assertEqual(comm.level_id, first)
        self.assertEqual(comm.line_ids.date_due, fields.Date.to_date("2026-03-03"))
        self.assertEqual(comm.line_ids.days_late, 3)
        self.assertEqual(comm.line_ids.amount_residual, 400.0)

    def test_promise_kept_and_broken(self):
        invoice = self._invoice(self.customer, 700.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-03")  # first reminder
        promise = self.env["collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": "2026-02-20",
                "amount": 700.0,
                "grace_days": 3,
            }
        )
        with freeze_time("2026-02-10"):
            self.assertEqual(invoice.collection_pause_reason, "promise")
        self.assertFalse(self._run("2026-02-10"), "paused by the promise: the 7-day reminder waits")
        self.assertFalse(self._run("2026-02-23"), "still within the grace period")
        comm = self._run("2026-02-24")
        self.assertEqual(promise.state, "broken")
        # The customer goes on to his next level at once, one level up.
        self.assertEqual(comm.level_id, self._levels(self.policy_standard)[2], "resumes at once")
        self.assertFalse(self.customer.with_company(self.company).collection_force_next)
        alert = self.env["mail.activity"].search(
            [("res_id", "=", self.customer.id), ("summary", "=", "Promise to pay broken")]
        )
        self.assertEqual(alert.user_id, self.env.ref("base.user_admin"))

        kept_invoice = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        kept = self.env["collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(kept_invoice.ids)],
                "date": "2026-03-01",
            }
        )
        self._pay(kept_invoice, 100.0, "2026-02-28")
        self._run("2026-03-10")
        self.assertEqual(kept.state, "kept")

    def test_dispute_and_exclusion(self):
        disputed = self._invoice(self.customer, 250.0, "2026-01-01", "2026-01-31")
        excluded = self._invoice(self.customer, 150.0, "2026-01-01", "2026-01-31")
        dispute = self.env["collection.dispute"].create(
            {"partner_id": self.customer.id, "move_ids": [Command.set(disputed.ids)], "reason": "quality"}
        )
        excluded.write(
            {
                "collection_exclude": True,
                "collection_exclude_until": "2026-02-15",
                "collection_exclude_reason": "Agreed with sales",
            }
        )
        self.assertFalse(self._run("2026-02-05"))
        with freeze_time("2026-02-05"):
            found = self.env["account.move"].search(
                [("collection_pause_reason", "!=", False), ("id", "in", (disputed | excluded).ids)]
            )
            self.assertEqual(found, disputed | excluded)
            self.assertEqual(excluded.collection_pause_reason, "excluded")
        comm = self._run("2026-02-16")
        self.assertEqual(comm.line_ids.move_id, excluded, "exclusion ended; the disputed invoice stays out")
        dispute.action_resolve()
        self.assertFalse(self._run("2026-02-17"), "one reminder per interval of 4 days")
        comm = self._run("2026-02-20")
        self.assertEqual(comm.line_ids.move_id, disputed | excluded)
        self.assertEqual(comm.level_id, self._levels(self.policy_standard)[2])
        self.assertEqual(disputed.collection_level_id, self._levels(self.policy_standard)[2])

    def test_no_auto_and_manual_send(self):
        self.customer.with_company(self.company).collection_no_auto = True
        self._invoice(self.customer, 90.0, "2026-01-01", "2026-01-31")
        self.assertFalse(self._run("2026-02-05"))
        with freeze_time("2026-02-05"):
            action = self.customer.with_user(self.clerk).action_collection_send_now()
        comm = self.env["collection.communication"].search(action["domain"])
        self.assertTrue(comm.manual)
        self.assertEqual(comm.level_id, self._levels(self.policy_standard)[1])
        paid_up = self.env["res.partner"].create({"name": "Nothing due"})
        with self.assertRaisesRegex(UserError, "Nothing to send"):
            paid_up.with_user(self.clerk).action_collection_send_now()

    def test_fallback_channels(self):
        letter_only = self.env["res.partner"].create(
            {"name": "No Email", "street": "Main St 1", "city": "Ghent"}
        )
        nothing = self.env["res.partner"].create({"name": "No Contact Data"})
        self._invoice(letter_only, 100.0, "2026-01-01", "2026-01-31")
        self._invoice(nothing, 100.0, "2026-01-01", "2026-01-31")
        comms = self._run("2026-02-03")
        by_partner = {comm.partner_id: comm for comm in comms}
        letter = by_partner[letter_only]
        self.assertFalse(letter.channel_email)
        self.assertTrue(letter.channel_letter)
        self.assertEqual(letter.letter_state, "to_print")
        self.assertIn("letter replaces it", letter.fallback_note)
        call = by_partner[nothing]
        self.assertTrue(call.channel_call and not call.channel_email and not call.channel_letter)
        self.assertIn("call task", call.fallback_note)
        self.assertTrue(
            self.env["mail.activity"].search([("res_id", "=", nothing.id), ("res_model", "=", "res.partner")])
        )

    def test_failed_email_alerts_responsible(self):
        self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        comm = self._run("2026-02-03")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        mail._postprocess_sent_message(
            success_pids=self.env["res.partner"],
            success_emails=[],
            failure_reason="550 mailbox unavailable",
            failure_type="mail_smtp",
        )
        self.assertEqual(comm.state, "failed")
        self.assertIn("550", comm.error)
        activity = self.env["mail.activity"].search(
            [("res_id", "=", self.customer.id), ("summary", "=", "Reminder email failed")]
        )
        self.assertEqual(activity.user_id, comm.user_id)

    def test_bad_customer_does_not_stop_the_run(self):
        good = self.customer
        bad = self.env["res.partner"].create({"name": "Broken Template", "email": "b@example.com"})
        self._invoice(good, 100.0, "2026-01-01", "2026-01-31")
        self._invoice(bad, 100.0, "2026-01-01", "2026-01-31")
        level = self._levels(self.policy_standard)[1]
        level.mail_template_id = self.env["mail.template"].create(
            {
                "name": "Fails for one customer",
                "model_id": self.env["ir.model"]._get_id("collection.communication"),
                "subject": "Reminder",
                "body_html": "<p t-out=\"object.partner_id.name if object.partner_id.name != 'Broken Template' else 1 / 0\"/>",
            }
        )
        with mute_logger(
            "odoo.addons.mail.models.mail_render_mixin",
            "odoo.addons.account_collection.models.collection_autopilot",
        ):
            comms = self._run("2026-02-03")
        self.assertEqual(comms.filtered(lambda c: c.partner_id == good).state, "queued")
        failed = comms.filtered(lambda c: c.partner_id == bad)
        self.assertEqual(failed.state, "failed")
        self.assertTrue(failed.error)
        self.assertFalse(bad.invoice_ids.collection_level_id, "the failed customer is retried next run")

    def test_multi_company_isolation(self):
        other = self.setup_other_company(name="Collections Company B")["company"]
        other.collection_policy_id = self.policy_standard
        foreign = self._invoice(self.customer, 10.0, "2026-01-01", "2026-01-31", company=other)
        self.assertFalse(self._run("2026-02-03"), "company A's run does not see company B's invoices")
        with freeze_time("2026-02-03"):
            comm = self.env["collection.autopilot"].sudo().with_company(other)._run(other)
        self.assertEqual(comm.company_id, other)
        self.assertEqual(comm.line_ids.move_id, foreign)
        visible = self.env["collection.communication"].with_user(self.clerk).search([])
        self.assertNotIn(comm, visible)

    def test_query_count_does_not_grow_with_invoices(self):
        def make(count, start):
            partners = self.env["res.partner"].create(
                [{"name": f"Q{start + i}", "email": f"q{start + i}@example.com"} for i in range(count)]
            )
            for partner in partners:
                for _i in range(3):
                    self._invoice(partner, 100.0, "2026-01-01", "2026-01-31")
            return partners

        small = make(2, 0)
        large = make(12, 100)
        self.env.invalidate_all()
        with freeze_time("2026-02-03"):
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
        self.assertEqual(len(comms.line_ids), 36)
        self.assertLessEqual(
            large_count, small_count + 2, f"{small_count} queries for 3 invoices, {large_count} for 36"
        )

    def test_invoice_pdfs_rendered_once_then_reused(self):
        invoice = self._invoice(self.customer, 120.0, "2026-01-01", "2026-01-31")
        first, second = self._levels(self.policy_standard)[1:3]
        (first | second).attach_invoices = True
        comm = self._run("2026-02-03")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        pdf = invoice.invoice_pdf_report_id
        self.assertTrue(pdf, "the rendered PDF is stored on the invoice, as Send & Print does")
        self.assertEqual(mail.attachment_ids, pdf)
        attachments = self.env["ir.attachment"].search_count([])
        comm = self._run("2026-02-07")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertEqual(mail.attachment_ids, pdf, "the next reminder reuses the stored PDF")
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments, "nothing rendered again")

    def test_two_workers_never_double_send(self):
        """A second worker that decided before the first one sent records nothing, not even a failure."""
        self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        autopilot = self.env["collection.autopilot"].sudo()
        with freeze_time("2026-02-03"):
            today = fields.Date.today()
            late_decisions = autopilot._decide(self.company, today)
            first = autopilot._run(self.company)
            with mute_logger("odoo.sql_db", "odoo.addons.account_collection.models.collection_autopilot"):
                second = autopilot._process_batch_isolated(self.company, today, late_decisions, False)
        self.assertEqual(len(first), 1)
        self.assertFalse(second, second.error)
        sent = self.env["collection.communication"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sent, first, "one reminder, no failed duplicate")
        self.assertEqual(len(self.env["mail.mail"].search([("recipient_ids", "in", self.customer.ids)])), 1)
