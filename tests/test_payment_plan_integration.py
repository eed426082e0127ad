import csv
import io
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .test_payment_plan import PaymentPlanCommon

SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestPaymentPlanIntegration(PaymentPlanCommon):
    """Payment plans with hand-overs, insolvencies, letters, the run's isolation and the cockpit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.collection_commission_account_id = cls.env["account.account"].create(
            {"name": "Collection costs", "code": "6540", "account_type": "expense"}
        )
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Incasso BV",
                "email": "dossiers@incasso.example",
                "is_company": True,
                "collection_receiver_kind": "agency",
                "collection_commission_rate": 20.0,
                "street": "Kerkstraat 1",
                "city": "Utrecht",
                "zip": "3511",
            }
        )
        cls.customer.write({"city": "Leeds", "zip": "LS1"})

    def _handover(self, invoices, day="2026-03-02"):
        with freeze_time(day):
            action = invoices.action_collection_handover()
            form = Form(self.env["collection.handover"].with_context(**action["context"]))
            form.kind = "agency"
            form.receiver_id = self.agency
            handover = form.save()
            handover.action_confirm()
        invoices.invalidate_recordset()
        return handover

    def _insolvent(self, partner, day):
        with freeze_time(day):
            return self.env["collection.insolvency"].create(
                {
                    "partner_id": partner.id,
                    "date": day,
                    "claim_deadline": "2026-06-30",
                    "case_number": "F/26/1",
                }
            )

    def _runs(self, first, last):
        communications = self.env["collection.communication"]
        day = first
        while day <= last:
            communications |= self._run(day)
            day += timedelta(days=1)
        return communications

    def test_refusals_both_ways_create_nothing(self):
        Plan = self.env["collection.payment.plan"]
        Handover = self.env["collection.handover"]
        handed = self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-31")
        self._handover(handed)
        self.assertEqual(handed.collection_status, "handed_over")
        with self.assertRaisesRegex(UserError, "handed over to Incasso BV"):
            self._plan(handed, "2026-03-03")
        self.assertFalse(Plan.search([("partner_id", "=", self.customer.id)]))

        planned = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(planned, "2026-03-03", first_date=date(2026, 3, 10), activate=True)
        self.assertEqual(planned.collection_payment_plan_id, plan)
        count = Handover.search_count([])
        with self.assertRaisesRegex(UserError, f"in the active payment plan {plan.name}"):
            planned.action_collection_handover()
        # The customer's hand-over button leaves the invoice in a plan out: nothing to hand over.
        with freeze_time("2026-03-03"), self.assertRaisesRegex(UserError, "no overdue invoice"):
            self.customer.action_collection_handover()
        self.assertEqual(Handover.search_count([]), count)
        self.assertEqual(planned.collection_handover_id, Handover)

        insolvent = self.env["res.partner"].create({"name": "Broke Ltd", "email": "broke@example.com"})
        debt = self._invoice(insolvent, 200.0, "2026-01-01", "2026-01-31")
        self._insolvent(insolvent, "2026-03-01")
        with self.assertRaisesRegex(UserError, "Broke Ltd is insolvent"):
            self._plan(debt, "2026-03-03")
        self.assertFalse(Plan.search([("partner_id", "=", insolvent.id)]))

    def test_insolvency_cancels_the_plans_and_nothing_is_sent(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), activate=True)
        proposed = self._plan(
            self._invoice(self.customer, 90.0, "2026-01-01", "2026-01-31"),
            "2026-03-01",
            first_date=date(2026, 3, 20),
        )
        # Another customer's plan in the same company runs on.
        other_plan = self._plan(
            self._invoice(self.other, 300.0, "2026-01-01", "2026-01-31"),
            "2026-03-01",
            first_date=date(2026, 3, 10),
            activate=True,
        )
        level = self.customer.with_company(self.company).collection_level_id
        insolvency = self._insolvent(self.customer, "2026-03-05")
        self.assertEqual((plan | proposed).mapped("state"), ["cancelled", "cancelled"])
        self.assertEqual(plan.closed_date, date(2026, 3, 5))
        self.assertIn("marked insolvent", plan.message_ids[0].body)
        self.assertEqual(other_plan.state, "active")
        invoice.invalidate_recordset()
        self.assertFalse(invoice.collection_payment_plan_id)
        self.assertEqual(invoice.collection_pause_reason, "insolvency")

        # Past every instalment date and the grace days: nothing to the customer, no break.
        communications = self._runs(date(2026, 3, 5), date(2026, 6, 20))
        self.assertFalse(communications.filtered(lambda comm: comm.partner_id == self.customer))
        self.assertTrue(communications.filtered(lambda comm: comm.payment_plan_id == other_plan))
        self.assertEqual(plan.state, "cancelled", "not broken")
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", plan._name), ("res_id", "=", plan.id)])
        )
        self.assertEqual(self.customer.with_company(self.company).collection_level_id, level)

        # Lifting resumes nothing: the plan stays cancelled and the customer paused.
        with freeze_time("2026-06-21"):
            insolvency.action_lift()
        self.assertFalse(
            self._runs(date(2026, 6, 21), date(2026, 6, 25)).filtered(
                lambda comm: comm.partner_id == self.customer
            )
        )
        self.assertEqual(plan.state, "cancelled")

    def test_dossier_lists_the_payment_plans(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-02-10", first_date=date(2026, 2, 15), activate=True)
        self._run("2026-02-12")  # the courtesy email of the first instalment
        with freeze_time("2026-02-28"):
            plan.action_cancel()
        handover = self._handover(invoice)
        history = handover._dossier_values()["history"]
        rows = [row for row in history if row["kind"] == "Payment plan"]
        self.assertEqual(len(rows), 1)
        self.assertIn(plan.name, rows[0]["what"])
        self.assertIn("3 instalments", rows[0]["what"])
        self.assertEqual(rows[0]["state"], "Cancelled")
        self.assertEqual(rows[0]["amount"], plan.currency_id.format(300.0))
        csv_rows = list(csv.reader(io.StringIO(handover._dossier_csv().decode())))
        plan_rows = [row for row in csv_rows if row[0] == "Payment plan"]
        self.assertEqual(len(plan_rows), 1)
        self.assertIn(plan.name, plan_rows[0][2])
        self.assertEqual(plan_rows[0][9], "Cancelled")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(handover._dossier_report().report_name, handover.ids)[0]
            .decode()
        )
        self.assertIn(plan.name, html)
        self.assertIn("Payment plan", html)

    def test_broken_plan_notice_by_letter_without_email(self):
        self.customer.email = False
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), activate=True)
        communications = self._runs(date(2026, 3, 1), date(2026, 3, 20))
        self.assertEqual(plan.state, "broken")
        notice = communications.filtered(lambda comm: comm.payment_plan_kind == "broken")
        self.assertEqual(len(notice), 1)
        self.assertTrue(notice.channel_letter)
        self.assertEqual(notice.letter_state, "to_print")
        self.assertFalse(notice.error)
        self.assertNotEqual(notice.state, "failed")
        # In the letter queue with the autopilot's letters, and it says the plan is cancelled.
        queue = self.env["collection.communication"].search([("letter_state", "=", "to_print")])
        self.assertIn(notice, queue)
        values = notice._letter_values()
        self.assertIn(plan.name, values["subject"])
        self.assertIn("The payment plan is therefore cancelled.", values["intro"][0])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_collection.action_report_collection_letter", notice.ids)[0]
            .decode()
        )
        self.assertIn("therefore cancelled", html)
        self.assertIn(invoice.name, html)
        # The instalment reminders without email stay recorded as not sent.
        reminders = communications.filtered(lambda comm: comm.payment_plan_kind in ("courtesy", "reminder"))
        self.assertTrue(reminders)
        self.assertTrue(all(reminders.mapped("error")))
        self.assertFalse(any(reminders.mapped("channel_letter")))

    def test_failure_on_one_plan_does_not_stop_the_run(self):
        failing = self._plan(
            self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31"),
            "2026-03-01",
            first_date=date(2026, 3, 10),
            activate=True,
        )
        running = self._plan(
            self._invoice(self.other, 300.0, "2026-01-01", "2026-01-31"),
            "2026-03-01",
            first_date=date(2026, 3, 10),
            activate=True,
        )
        third = self.env["res.partner"].create({"name": "Third", "email": "third@example.com"})
        ordinary = self._invoice(third, 100.0, "2026-01-01", "2026-01-31")
        Plan = type(self.env["collection.payment.plan"])
        original = Plan._run_plan

        def run_plan(plan, today):
            result = original(plan, today)
            if plan == failing:
                raise ValueError("boom on this plan")
            return result

        with (
            patch.object(Plan, "_run_plan", run_plan),
            mute_logger("odoo.addons.account_collection.models.collection_payment_plan"),
        ):
            communications = self._run("2026-03-07")
        self.assertTrue(communications.filtered(lambda comm: comm.payment_plan_id == running))
        self.assertIn(ordinary, communications.line_ids.move_id, "the ordinary reminders went out too")
        # The failing plan's courtesy was rolled back with it, and the failure is on the plan.
        self.assertFalse(self.env["collection.communication"].search([("payment_plan_id", "=", failing.id)]))
        self.assertIn("boom on this plan", failing.message_ids[0].body)
        self.assertEqual(failing.state, "active")
        # The next run retries it.
        self.assertTrue(self._run("2026-03-08").filtered(lambda comm: comm.payment_plan_id == failing))

    def test_cockpit_next_action(self):
        partner = self.customer.with_company(self.company)
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), activate=True)
        self._run("2026-03-02")
        partner.invalidate_recordset()
        self.assertEqual(partner.collection_next_reason, "items_paused")
        self.assertEqual(partner.collection_pause_reason, "payment_plan")
        self.assertEqual(
            partner.collection_next_action,
            f"Payment plan {plan.name}: next instalment of $\xa0100.00 on 03/10/2026.",
        )
        with freeze_time("2026-03-12"):
            self._run("2026-03-12")
            partner.invalidate_recordset()
            self.assertEqual(
                partner.collection_next_action,
                f"Payment plan {plan.name} at risk: $\xa0100.00 of instalments overdue; call the customer "
                "before it breaks.",
            )
        with freeze_time("2026-03-13"):
            plan.action_cancel()
        self._handover(invoice, "2026-03-13")
        self._run("2026-03-14")
        partner.invalidate_recordset()
        self.assertEqual(partner.collection_pause_reason, "handover")
        self.assertIn("Handed over to Incasso BV", partner.collection_next_action)
        self._insolvent(self.customer, "2026-03-15")
        partner.invalidate_recordset()
        self.assertEqual(
            partner.collection_next_action,
            "Insolvent since 03/15/2026: no reminders nor plans; file the claim with the trustee by 06/30/2026.",
        )


@tagged("post_install", "-at_install")
class TestPaymentPlanFee(PaymentPlanCommon):
    """The optional plan fee: charged once as a charge invoice of the claims, covered by the plan."""

    def test_plan_fee_charged_once_with_tax_and_covered_by_the_plan(self):
        self.company.collection_fee_tax_id = self.tax_sale_a  # 15 %
        fee_account = self.company.collection_fee_account_id
        self.assertTrue(fee_account)
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), fee_amount=30.0)
        self.assertEqual(plan.fee_amount, 30.0)
        self.assertEqual(plan.fee_total, 34.5)
        self.assertEqual(plan.amount_total, 334.5, "the schedule and the agreement include the fee")
        self.assertEqual(plan.line_ids.mapped("amount"), [111.5, 111.5, 111.5])
        self.assertEqual(plan.amount_paid, 0.0, "the fee not yet invoiced is not counted as paid")
        self.assertFalse(plan.fee_move_id, "nothing charged before the customer agrees")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_collection.action_report_collection_payment_plan", plan.ids)[0]
            .decode()
        )
        self.assertIn("Payment plan fee", html)
        self.assertIn("34.50", html)

        with freeze_time("2026-03-01"):
            plan.action_activate()
        charge = plan.fee_move_id
        self.assertEqual(charge.state, "posted")
        self.assertEqual(charge.move_type, "out_invoice")
        self.assertTrue(charge.collection_is_charge)
        self.assertEqual(charge.partner_id, self.customer)
        self.assertEqual(
            charge.invoice_line_ids.product_id, self.env.ref("account_collection.product_collection_fee")
        )
        self.assertEqual(charge.invoice_line_ids.account_id, fee_account)
        self.assertEqual(charge.invoice_line_ids.tax_ids, self.tax_sale_a)
        self.assertEqual(charge.amount_untaxed, 30.0)
        self.assertEqual(charge.amount_tax, 4.5)
        self.assertEqual(charge.amount_total, 34.5)
        fee_line = charge.line_ids.filtered(lambda line: line.account_id == fee_account)
        self.assertEqual(fee_line.balance, -30.0)
        self.assertEqual(sum(charge.line_ids.mapped("balance")), 0.0)
        # The covered invoice is not changed; the plan covers the fee invoice too.
        self.assertEqual(invoice.amount_total, 300.0)
        self.assertEqual(invoice.amount_residual, 300.0)
        self.assertEqual(plan.move_ids, invoice | charge)
        self.assertEqual(charge.collection_payment_plan_id, plan)
        self.assertEqual(plan.amount_paid, 0.0)
        claim = self.env["collection.claim"].search([("charge_move_id", "=", charge.id)])
        self.assertEqual((claim.kind, claim.amount, claim.move_id), ("fee", 30.0, invoice))

        # Charged once: activating again is refused, charging again issues nothing.
        with self.assertRaises(UserError):
            plan.action_activate()
        self.assertFalse(plan._charge_fee())
        charges = self.env["account.move"].search(
            [("partner_id", "=", self.customer.id), ("collection_is_charge", "=", True)]
        )
        self.assertEqual(charges, charge)
        with self.assertRaises(AccessError):
            plan.write({"fee_amount": 0.0})

        # Payments on either invoice count toward the instalments; all paid completes the plan.
        with freeze_time("2026-03-09"):
            self._pay(charge, 34.5, "2026-03-09")
            self._pay(invoice, 77.0, "2026-03-09")
            plan.invalidate_recordset()
            self.assertEqual(plan.amount_paid, 111.5)
            self.assertEqual(plan.line_ids.mapped("state"), ["paid", "due", "due"])
        self._pay(invoice, 223.0, "2026-03-20")
        self._run("2026-03-20")
        self.assertEqual(plan.state, "completed")

    def test_plan_fee_refused_without_fee_account(self):
        self.company.collection_fee_account_id = False
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        with self.assertRaisesRegex(UserError, "Fees and interest cannot be charged"):
            self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), fee_amount=30.0)
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), fee_amount=-5.0)
        self.assertFalse(self.env["collection.payment.plan"].search([("partner_id", "=", self.customer.id)]))

    def test_plan_fee_charged_when_the_customer_accepts_online(self):
        invoice = self._invoice(self.customer, 200.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", count=2, first_date=date(2026, 3, 10), fee_amount=20.0)
        self.assertEqual(plan.amount_total, 200.0 + plan.fee_total)
        with freeze_time("2026-03-01"):
            plan.action_propose()
            self.assertFalse(plan.fee_move_id)
            # What the portal controller does for the customer (public user, the plan in sudo).
            public = self.env.ref("base.public_user")
            plan.with_user(public).sudo()._accept("Jan Plan", SIGNATURE, "127.0.0.1")
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.fee_move_id.state, "posted")
        self.assertEqual(plan.fee_move_id.amount_total, plan.fee_total)
        self.assertEqual(plan.move_ids, invoice | plan.fee_move_id)
        self.assertEqual(invoice.amount_residual, 200.0)
