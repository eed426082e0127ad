import itertools
from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestEscalation(CollectionCommon):
    """What a customer receives over weeks of daily runs: reminders escalate per customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.courtesy, cls.first, cls.second, cls.last = cls.policy_standard.level_ids.sorted("offset_days")
        cls.eur = cls.setup_other_currency("EUR", rates=[("2020-01-01", 1.25)])
        cls.customer = cls._customer("Rhythm Customer")

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "email": f"{name.lower().replace(' ', '.')}@example.com",
                "phone": "+32 470 12 34 56",
                "street": "Rue Haute 1",
                "city": "Brussels",
                **values,
            }
        )

    def _run(self, day, **kwargs):
        with freeze_time(day):
            return self.env["collection.autopilot"]._run(self.company, **kwargs)

    def _daily(self, start, days, partners=None, before_each=None):
        """Run the autopilot every day; returns the communications created, in order."""
        sent = self.env["collection.communication"]
        for offset in range(days):
            day = fields.Date.to_date(start) + timedelta(days=offset)
            if before_each:
                before_each(day)
            sent |= self._run(day, partners=partners)
        return sent.sorted(lambda comm: (comm.date, comm.id))

    def _state(self, partner):
        return partner.with_company(self.company)

    # ------------------------------------------------------------------------------------------

    def test_customer_invoiced_every_three_days(self):
        """90 days of invoices every 3 days, never paid: at most one reminder per 4 days, the
        level climbs one step at a time and never goes down, and every figure is what is due."""
        start = date(2026, 1, 1)

        def invoice_every_three_days(day):
            if (day - start).days % 3 == 0:
                self._invoice(self.customer, 100.0, day, day + timedelta(days=14))

        sent = self._daily(start, 90, partners=self.customer, before_each=invoice_every_three_days)
        self.assertTrue(sent)
        dunning = sent.filtered(lambda comm: comm.level_id.offset_days > 0)
        self.assertEqual(
            dunning.level_id.mapped("offset_days"), [3, 7, 11], "first, second, last: once each, in order"
        )
        dates = sent.mapped("date")
        for earlier, later in itertools.pairwise(dates):
            self.assertGreaterEqual((later - earlier).days, 4, f"two reminders on {earlier} and {later}")
        # Once in the sequence, no courtesy reminder mixes in.
        self.assertFalse(sent.filtered(lambda comm: comm.tone == "courtesy" and comm.date > dunning[0].date))
        for comm in sent:
            with freeze_time(comm.date):
                overdue = comm.line_ids.filtered(lambda line: line.section == "overdue")
                coming = comm.line_ids.filtered(lambda line: line.section == "coming")
                self.assertTrue(all(line.date_due < comm.date for line in overdue))
                self.assertTrue(all(line.date_due >= comm.date for line in coming))
                if comm.tone == "courtesy":
                    self.assertFalse(overdue, "a courtesy reminder lists only what is not yet due")
                else:
                    self.assertEqual(comm.amount_claimed, sum(overdue.mapped("amount_residual_currency")))
        # Past the last level: the cockpit shows the policy's suggestion.
        partner = self._state(self.customer)
        self.assertTrue(partner.collection_end_of_policy)
        self.assertEqual(partner.collection_next_reason, "end_of_policy")
        self.assertEqual(partner.collection_next_action, "Call the customer")
        self.assertIn(
            self.customer,
            self.env["res.partner"]
            .with_company(self.company)
            .search([("collection_end_of_policy", "=", True)]),
        )

    def test_sequence_ends_when_everything_overdue_is_paid(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        self.assertEqual(self._run("2026-02-03").level_id, self.first)
        self.assertEqual(self._run("2026-02-07").level_id, self.second)
        self._pay(invoice, 300.0, "2026-02-08")
        self.assertFalse(self._run("2026-02-08"))
        self.assertFalse(self._state(self.customer).collection_level_id, "the sequence is over")
        self._invoice(self.customer, 120.0, "2026-02-01", "2026-03-01")
        self.assertEqual(self._run("2026-02-26").level_id, self.courtesy)
        self.assertEqual(
            self._run("2026-03-04").level_id, self.first, "a new sequence starts at the first level"
        )

    def test_go_live_first_level(self):
        """The first run over a book with 130-day-old invoices: a first reminder, not a formal demand."""
        self.customer.with_company(self.company).collection_policy_id = self.policy_extended
        self._invoice(self.customer, 500.0, "2025-10-01", "2025-10-23")
        levels = self.policy_extended.level_ids.sorted("offset_days")
        comm = self._run("2026-03-02")
        self.assertEqual(comm.level_id, levels[0])
        self.assertNotIn("earlier reminders", comm.mail_message_id.body or "")
        self.assertEqual(self.company.collection_started_on, fields.Date.to_date("2026-03-02"))
        sent = self._daily("2026-03-03", 60, partners=self.customer)
        self.assertEqual(sent.level_id, levels[1:9], "one level at a time, every 7 days")
        self.assertEqual(
            [(later.date - earlier.date).days for earlier, later in itertools.pairwise(sent)],
            [7] * 7,
        )

    def test_go_live_catch_up(self):
        self.company.collection_go_live = "catch_up"
        self.customer.with_company(self.company).collection_policy_id = self.policy_extended
        self._invoice(self.customer, 500.0, "2025-10-01", "2025-10-23")
        late = self._customer("Recent Customer")
        late.with_company(self.company).collection_policy_id = self.policy_extended
        self._invoice(late, 200.0, "2026-02-01", "2026-02-20")
        levels = self.policy_extended.level_ids.sorted("offset_days")
        comms = self._run("2026-03-02")
        by_partner = {comm.partner_id: comm for comm in comms}
        # 130 days late: the level of 120 days, at once.
        self.assertEqual(
            by_partner[self.customer].level_id, levels.filtered(lambda lvl: lvl.offset_days == 120)
        )
        self.assertNotIn(late, by_partner, "10 days late: not yet at the first level of 22 days")
        # After the first run, a new sequence starts at the first level again.
        self.assertEqual(self._run("2026-03-14", partners=late).level_id, levels[0])

    def test_two_instalments(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 30}),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-01",
                "invoice_payment_term_id": term.id,
                "invoice_line_ids": [Command.create({"name": "Work", "price_unit": 800.0, "tax_ids": []})],
            }
        )
        invoice.action_post()
        comm = self._run("2026-03-04")
        self.assertEqual(comm.level_id, self.first)
        self.assertEqual(comm.amount_claimed, 400.0, "only the instalment that is due")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertIn("400.00", mail.body_html)
        self.assertNotIn("800.00", mail.body_html)
        self._pay(invoice, 400.0, "2026-03-06")
        sent = self._daily("2026-03-05", 40, partners=self.customer)
        self.assertEqual(sent.level_id, self.courtesy | self.first | self.second | self.last)
        courtesy = sent[0]
        self.assertEqual(courtesy.date, fields.Date.to_date("2026-03-28"))
        self.assertEqual(courtesy.amount_coming, 400.0)
        first = sent.filtered(lambda comm: comm.level_id == self.first)
        self.assertEqual(first.date, fields.Date.to_date("2026-04-03"))
        self.assertEqual(first.line_ids.date_due, fields.Date.to_date("2026-03-31"))
        self.assertEqual(first.amount_claimed, 400.0)

    def test_credits_cover_the_overdue_amount(self):
        covered = self._customer("Covered by a credit note")
        self._invoice(covered, 400.0, "2026-01-01", "2026-01-31")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": covered.id,
                "invoice_date": "2026-02-01",
                "invoice_line_ids": [Command.create({"name": "Credit", "price_unit": 400.0, "tax_ids": []})],
            }
        )
        refund.action_post()
        prepaid = self._customer("Paid without reference")
        self._invoice(prepaid, 400.0, "2026-01-01", "2026-01-31")
        payment = self.env["account.payment"].create(
            {"amount": 400.0, "payment_type": "inbound", "partner_type": "customer", "partner_id": prepaid.id}
        )
        payment.action_post()
        self.assertFalse(self._daily("2026-02-01", 30, partners=covered | prepaid), "nothing is chased")
        for partner in covered | prepaid:
            self.assertEqual(self._state(partner).collection_next_reason, "covered")
            self.assertEqual(self._state(partner).collection_overdue_amount, 0.0)

    def test_minimum_amount(self):
        self.policy_standard.minimum_amount = 50.0
        self._invoice(self.customer, 40.0, "2026-01-01", "2026-01-31")
        self.assertFalse(self._run("2026-02-05"))
        self.assertEqual(self._state(self.customer).collection_next_reason, "below_minimum")
        self._invoice(self.customer, 20.0, "2026-01-01", "2026-02-01")
        self.assertEqual(self._run("2026-02-06").amount_claimed, 60.0)

    def test_foreign_currency_figures(self):
        """A 1,000 EUR invoice of a USD company: every figure in euros, the SMS included."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31", currency=self.eur)
        self._run("2026-02-03")
        comm = self._run("2026-02-07")
        self.assertEqual(comm.level_id, self.second)
        self.assertEqual(comm.currency_id, self.eur)
        self.assertEqual(comm.amount_claimed, 1000.0)
        self.assertIn("1,000.00", comm.sms_id.body)
        self.assertIn("€", comm.sms_id.body)
        self.assertNotIn("$", comm.sms_id.body)
        self.assertNotIn("800.00", comm.sms_id.body, "not the company-currency amount")
        partner = self._state(self.customer)
        self.assertEqual(partner.collection_currency_id, self.eur)
        self.assertEqual(partner.collection_overdue_amount, 1000.0)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertIn("1,000.00", mail.body_html)
        # Two currencies: one total each.
        self._invoice(self.customer, 300.0, "2026-01-01", "2026-02-01")
        comm = self._run("2026-02-11")
        self.assertEqual(
            {(total["currency"], total["claimed"]) for total in comm._totals()},
            {(self.eur, 1000.0), (self.company.currency_id, 300.0)},
        )
        self.assertIn("€", comm.sms_id.body or comm._claimed_text())
        self.assertIn("+", comm._claimed_text())

    def test_record_cockpit_and_email_agree(self):
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-25")
        self._invoice(self.customer, 200.0, "2026-01-01", "2026-02-05")  # due in 2 days on the 3rd
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-28",
                "invoice_line_ids": [Command.create({"name": "Credit", "price_unit": 50.0, "tax_ids": []})],
            }
        )
        refund.action_post()
        with freeze_time("2026-02-03"):
            cockpit = self._state(self.customer).collection_overdue_amount
        comm = self._run("2026-02-03")
        self.assertEqual(comm.amount_claimed, 450.0)
        self.assertEqual(cockpit, 450.0)
        self.assertEqual(comm.amount_coming, 200.0, "the coming-due invoice is in a section of its own")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", comm.mail_message_id.id)])
        self.assertIn("450.00", mail.body_html)

    def test_partial_promise_kept(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._run("2026-02-03")
        promise = self.env["collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": "2026-02-20",
                "amount": 500.0,
            }
        )
        self.assertEqual(promise.currency_id, invoice.currency_id)
        self._pay(invoice, 500.0, "2026-02-18")
        self._run("2026-02-19")
        self.assertEqual(promise.state, "kept")
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_id", "=", self.customer.id), ("summary", "=", "Promise to pay broken")]
            )
        )
        # A promise that is short: broken, and the responsible is told what was paid.
        short = self.env["collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": "2026-02-25",
                "amount": 400.0,
            }
        )
        self._pay(invoice, 100.0, "2026-02-24")
        self._run("2026-03-01")
        self.assertEqual(short.state, "broken")
        note = (
            self.env["mail.activity"]
            .search([("res_id", "=", self.customer.id), ("summary", "=", "Promise to pay broken")])
            .note
        )
        self.assertIn("100.00", note)

    def test_promise_must_cover_an_open_invoice(self):
        invoice = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        payment = self.env["account.payment"].create(
            {
                "amount": 50.0,
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
            }
        )
        payment.action_post()
        with self.assertRaisesRegex(Exception, "open customer invoices only"):
            self.env["collection.promise"].create(
                {
                    "partner_id": self.customer.id,
                    "move_ids": [Command.set(payment.move_id.ids)],
                    "date": "2026-02-20",
                }
            )
        self._pay(invoice, 100.0, "2026-02-01")
        with self.assertRaisesRegex(Exception, "open customer invoices only"):
            self.env["collection.promise"].create(
                {"partner_id": self.customer.id, "move_ids": [Command.set(invoice.ids)], "date": "2026-02-20"}
            )

    def test_manual_send_asks_when_already_reminded_today(self):
        self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        comm = self._run("2026-02-03")
        with freeze_time("2026-02-03"):
            action = self.customer.with_user(self.clerk).action_collection_send_now()
            self.assertEqual(action["res_model"], "collection.send.confirm")
            self.assertIn("First reminder", action["context"]["default_message"])
            confirm = (
                self.env["collection.send.confirm"]
                .with_user(self.clerk)
                .with_context(**action["context"])
                .create({})
            )
            result = confirm.action_confirm()
        again = self.env["collection.communication"].search(result["domain"])
        self.assertTrue(again.manual)
        self.assertEqual(again.level_id, self.second, "the next level, sent now on purpose")
        self.assertNotEqual(again, comm)

    def test_cockpit_next_action_is_what_the_run_sends(self):
        """For every customer of a mixed book, the cockpit's next level and date on day D are
        those of the next reminder the daily runs send."""
        customers = self.env["res.partner"]
        base = date(2026, 3, 1)
        for number in range(12):
            customer = self._customer(f"Book {number}")
            customers |= customer
            for index in range(number % 4 + 1):
                due = base - timedelta(days=(number * 7 + index * 5) % 60 - 10)
                self._invoice(customer, 100.0 + number, due - timedelta(days=30), due)
        self._daily(base - timedelta(days=20), 20, partners=customers)
        with freeze_time(base):
            self.env["collection.autopilot"]._refresh_status(self.company, partners=customers)
            planned = {
                partner: (partner.collection_next_date, partner.collection_next_level_id)
                for partner in customers.with_company(self.company)
            }
        sent = self._daily(base, 40, partners=customers)
        for partner, (when, level) in planned.items():
            first = sent.filtered(lambda comm, partner=partner: comm.partner_id == partner)[:1]
            self.assertEqual((first.date or False, first.level_id), (when, level), partner.name)
        self.assertTrue(any(when for when, _level in planned.values()))

    def test_archived_policy(self):
        policy = self.policy_extended.copy()
        self.customer.with_company(self.company).collection_policy_id = policy
        self.assertEqual(policy.with_company(self.company).customer_count, 1)
        with self.assertRaisesRegex(UserError, "default collection policy"):
            self.policy_standard.action_archive()
        policy.action_archive()
        self.assertFalse(self._state(self.customer).collection_policy_id, "moved to the company default")
        self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        self.assertEqual(self._run("2026-02-03").level_id, self.first, "the default policy reminds him")
        self.assertEqual(self._state(self.customer).collection_effective_policy_id, self.policy_standard)


@tagged("post_install", "-at_install")
class TestEscalationSafety(CollectionCommon):
    """Cancelling a reminder, and one company's trouble never stopping another's reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.courtesy, cls.first, cls.second, cls.last = cls.policy_standard.level_ids.sorted("offset_days")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Cancel Customer",
                "email": "c@example.com",
                "phone": "+32 470 00 00 00",
                "street": "S 1",
                "city": "Gent",
            }
        )
        cls.invoice = cls._invoice(cls.customer, 600.0, "2026-01-01", "2026-01-31")

    def _run(self, day, **kwargs):
        with freeze_time(day):
            return self.env["collection.autopilot"]._run(self.company, **kwargs)

    def test_cancel_takes_everything_back(self):
        self._run("2026-02-03")
        comm = self._run("2026-02-11")  # 11 days late, 8 days after the first: the second level
        self.assertEqual(comm.level_id, self.second)
        self.policy_standard.level_ids.filtered(lambda level: level == self.last).send_letter = True
        last = self._run("2026-02-15")
        self.assertEqual(last.level_id, self.last)
        self.assertEqual(last.letter_state, "to_print")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", last.mail_message_id.id)])
        self.assertEqual(mail.state, "outgoing")
        with freeze_time("2026-02-15"):
            last.with_user(self.clerk).action_cancel()
        self.assertEqual(last.state, "cancelled")
        self.assertEqual(mail.state, "cancel", "the queued email will not be sent")
        self.assertEqual(last.letter_state, "cancelled")
        self.assertNotIn(
            last,
            self.env["collection.communication"].search([("letter_state", "=", "to_print")]),
            "out of the queue",
        )
        with self.assertRaisesRegex(UserError, "Cancelled reminders are not printed"):
            last.action_print_letters()
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.collection_level_id, self.second, "back one level")
        self.assertEqual(partner.collection_last_date, fields.Date.to_date("2026-02-11"))
        self.assertEqual(self.invoice.collection_level_id, self.second)
        self.assertIn("back at Second reminder", partner.message_ids[0].body)
        # The autopilot sends the last level again, as the next run would have.
        again = self._run("2026-02-16")
        self.assertEqual(again.level_id, self.last)
        # What went out cannot be taken back.
        comm.sudo().email_state = "sent"
        with self.assertRaisesRegex(UserError, "already went out"):
            comm.action_cancel()

    def test_one_company_failing_does_not_stop_the_next(self):
        other = self.setup_other_company(name="Second Collections Company")["company"]
        other.collection_policy_id = self.policy_standard
        self._invoice(self.customer, 10.0, "2026-01-01", "2026-01-31", company=other)
        Autopilot = type(self.env["collection.autopilot"])
        original = Autopilot._run_batch

        def failing(autopilot, company, today, partner_ids, manual):
            if company == self.company:
                autopilot.env.cr.execute("SELECT 1/0")  # aborts what company 1 was doing
            return original(autopilot, company, today, partner_ids, manual)

        with (
            patch.object(Autopilot, "_run_batch", failing),
            freeze_time("2026-02-03"),
            mute_logger("odoo.addons.account_collection.models.collection_autopilot", "odoo.sql_db"),
        ):
            self.env["collection.autopilot"]._cron_run()
        sent = self.env["collection.communication"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sent.company_id, other, "company 2 reminded its customer")
        self.assertEqual(sent.state, "queued")

    def test_conflicts_are_not_failures(self):
        Autopilot = type(self.env["collection.autopilot"])

        def conflicting(autopilot, company, today, decisions, manual):
            raise psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")

        with (
            patch.object(Autopilot, "_process_batch", conflicting),
            mute_logger("odoo.addons.account_collection.models.collection_autopilot"),
        ):
            comms = self._run("2026-02-03")
        self.assertFalse(comms)
        self.assertFalse(self.env["collection.communication"].search([("partner_id", "=", self.customer.id)]))
        self.assertFalse(
            self.customer.with_company(self.company).collection_level_id, "left for the next run"
        )
