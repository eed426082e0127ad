import tempfile
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import PoFileReader, TranslationImporter

from odoo.addons.account_payment.tests.common import AccountPaymentCommon

from .common import CollectionCommon

IBAN = "NL91ABNA0417164300"


class PaymentPlanCommon(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.company.write({"street": "Kerkstraat 1", "zip": "1000", "city": "Brussels"})
        cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id, "allow_out_payment": True}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Plan Customer", "email": "plan@customer.example", "is_company": True, "street": "Rue 1"}
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Customer", "email": "other@customer.example"}
        )

    def _plan(self, invoices, day, count=3, activate=False, **values):
        with freeze_time(day):
            wizard = Form(
                self.env["collection.payment.plan.create"].with_context(
                    active_model="account.move", active_ids=invoices.ids
                )
            )
            wizard.instalment_count = count
            for name, value in values.items():
                setattr(wizard, name, value)
            action = wizard.save().action_confirm()
            plan = self.env["collection.payment.plan"].browse(action["res_id"])
            if activate:
                plan.action_activate()
        return plan

    def _run(self, day):
        with freeze_time(day):
            return self.env["collection.autopilot"].sudo()._run(self.company)


@tagged("post_install", "-at_install")
class TestPaymentPlan(PaymentPlanCommon):
    def test_split_allocation_and_completion(self):
        first = self._invoice(self.customer, 600.0, "2026-01-01", "2026-01-31")
        second = self._invoice(self.customer, 400.01, "2026-01-10", "2026-02-09")
        plan = self._plan(first | second, "2026-03-01", first_date=date(2026, 3, 15))
        self.assertEqual(plan.state, "draft")
        with freeze_time("2026-03-01"):
            plan.action_activate()
        self.assertEqual(plan.line_ids.mapped("amount"), [333.33, 333.33, 333.35])
        self.assertEqual(
            plan.line_ids.mapped("date"), [date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15)]
        )
        self.assertEqual(plan.state, "active")
        self.assertEqual((first | second).collection_payment_plan_id, plan)
        self.assertEqual(first.collection_status, "payment_plan")
        with self.assertRaisesRegex(UserError, "cancel the plan"):
            first.button_draft()
        with freeze_time("2026-03-20"):
            self.assertEqual(first.collection_pause_reason, "payment_plan")

        # A partial payment, then an over-payment that runs into the next instalment.
        with freeze_time("2026-03-20"):
            self._pay(first, 200.0, "2026-03-14")
            self.assertEqual(plan.line_ids.mapped("state"), ["overdue", "due", "due"])
            self.assertTrue(plan.at_risk)
            # The cockpit: the customer is in a plan at risk, with his next instalment.
            at_risk = self.env["res.partner"].search([("collection_plan_at_risk", "=", True)])
            self.assertIn(self.customer, at_risk)
            self.assertEqual(self.customer.collection_plan_id, plan)
            self.assertEqual(self.customer.collection_plan_overdue_amount, 133.33)
            self._pay(first, 400.0, "2026-03-20")
            self.assertEqual(plan.line_ids.mapped("amount_paid"), [333.33, 266.67, 0.0])
            self.assertEqual(plan.line_ids.mapped("state"), ["paid", "partial", "due"])
            self.assertFalse(plan.at_risk)
            self.assertEqual(plan.next_amount, 66.66)
        self._pay(second, 400.01, "2026-04-10")
        self._run("2026-04-10")
        self.assertEqual(plan.state, "completed")
        self.assertFalse(first.collection_payment_plan_id)

    def test_refusals_create_nothing(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        Plan = self.env["collection.payment.plan"]
        cases = {
            "zero instalments": {"count": 0},
            "negative amount": {"split_by": "amount", "instalment_amount": -10.0},
            "down payment too big": {"down_payment": 300.0},
            "first date in the past": {"first_date": date(2026, 2, 1)},
        }
        for label, values in cases.items():
            with self.subTest(label), self.assertRaises(UserError):
                count = values.pop("count", 3)
                self._plan(invoice, "2026-03-01", count=count, **values)
        other = self._invoice(self.other, 100.0, "2026-01-01", "2026-01-31")
        draft = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31", post=False)
        paid = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31")
        self._pay(paid, 100.0, "2026-01-15")
        usd = self.setup_other_currency("EUR")
        foreign = self._invoice(self.customer, 100.0, "2026-01-01", "2026-01-31", currency=usd)
        for label, moves in {
            "two customers": invoice | other,
            "draft": draft,
            "paid": paid,
            "two currencies": invoice | foreign,
        }.items():
            with self.subTest(label), self.assertRaises(UserError):
                self._plan(moves, "2026-03-01")
        self.assertFalse(Plan.search([("partner_id", "in", (self.customer | self.other).ids)]))
        # Already in another plan.
        self._plan(invoice, "2026-03-01", activate=True)
        with self.assertRaises(UserError):
            self._plan(invoice, "2026-03-01")
        self.assertEqual(Plan.search_count([("partner_id", "=", self.customer.id)]), 1)

    def test_instalment_reminders_on_their_days_and_no_ordinary_reminders(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), activate=True)
        sent = {}
        # Until the day before the plan would break (grace of 7 days).
        for day in range(1, 18):
            for comm in self._run(f"2026-03-{day:02d}"):
                sent.setdefault(comm.payment_plan_kind or comm.level_id.name, []).append(comm.date)
        # Courtesy 3 days before the first instalment, a reminder the day after, each once;
        # the covered invoice gets no ordinary reminder.
        self.assertEqual(sent, {"courtesy": [date(2026, 3, 7)], "reminder": [date(2026, 3, 11)]})
        comms = self.env["collection.communication"].search([("payment_plan_id", "=", plan.id)])
        self.assertEqual(comms.line_ids.move_id, invoice)
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertEqual(len(mails), 2)

    def test_break_after_grace_resumes_at_policy_level(self):
        levels = self.policy_standard.level_ids.filtered(lambda lv: lv.offset_days > 0).sorted("offset_days")
        self.policy_standard.payment_plan_resume_level_id = levels[1]
        self.policy_standard.payment_plan_grace_days = 5
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10))
        self.assertEqual(plan.grace_days, 5)
        with freeze_time("2026-03-01"):
            plan.action_activate()
        self._run("2026-03-15")
        self.assertEqual(plan.state, "active", "still within the grace days")
        comms = self._run("2026-03-16")
        self.assertEqual(plan.state, "broken")
        self.assertFalse(invoice.collection_payment_plan_id)
        self.assertIn("broken", comms.mapped("payment_plan_kind"))
        activity = self.env["mail.activity"].search(
            [("res_model", "=", plan._name), ("res_id", "=", plan.id)]
        )
        self.assertEqual(activity.summary, "Payment plan broken")
        # The same run gave the invoice back to the autopilot: the customer gets the resume level.
        ordinary = comms.filtered(lambda comm: not comm.payment_plan_id)
        self.assertEqual(ordinary.level_id, levels[1])
        self.assertIn(invoice, ordinary.line_ids.move_id)

    def test_call_outcome_opens_the_plan_on_the_invoices_discussed(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        self._invoice(self.customer, 50.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-03-01"):
            call = Form(
                self.env["collection.call"]
                .with_user(self.clerk)
                .with_context(active_model="res.partner", active_ids=self.customer.ids)
            )
            call.outcome = "payment_plan"
            call.move_ids.clear()
            call.move_ids.add(invoice)
            action = call.save().action_confirm()
            self.assertEqual(action["res_model"], "collection.payment.plan.create")
            wizard = Form(
                self.env["collection.payment.plan.create"]
                .with_user(self.clerk)
                .with_context(**action["context"])
            )
            self.assertEqual(wizard.amount_total, 300.0)
            plan = self.env["collection.payment.plan"].browse(wizard.save().action_confirm()["res_id"])
        self.assertEqual(plan.move_ids, invoice)
        self.assertIn("Asks for a payment plan", self.customer.message_ids[0].body)

    def test_clerk_creates_and_activates_portal_user_cannot(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        with freeze_time("2026-03-01"):
            wizard = Form(
                self.env["collection.payment.plan.create"]
                .with_user(self.clerk)
                .with_context(active_model="res.partner", active_ids=self.customer.ids)
            )
            self.assertEqual(wizard.move_ids[:], invoice)
            plan = self.env["collection.payment.plan"].browse(wizard.save().action_confirm()["res_id"])
            plan.with_user(self.clerk).action_activate()
        self.assertEqual(plan.state, "active")
        self.assertTrue(plan.accepted_by_phone)
        # The acceptance and the state are evidence: not editable, not even through the API.
        for vals in ({"state": "completed"}, {"accepted_name": "Someone"}, {"amount_total": 1.0}):
            with self.subTest(vals), self.assertRaises(AccessError):
                plan.with_user(self.clerk).write(vals)
        self.assertEqual(plan.state, "active")
        with self.assertRaises(ValidationError):
            plan.line_ids[0].with_user(self.clerk).amount = 1.0
        portal = new_test_user(self.env, login="plan_portal_other", groups="base.group_portal")
        portal.partner_id.parent_id = self.other
        self.assertFalse(self.env["collection.payment.plan"].with_user(portal).search([]))


@tagged("post_install", "-at_install")
class TestPaymentPlanAgreement(PaymentPlanCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The shipped translations, as a database with these languages installed has them.
        langs = ["nl_NL", "de_DE", "fr_FR"]
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(["account_collection"], langs, overwrite=True)
        # Odoo merges each .po with the module's .pot, which the lead regenerates when merging:
        # until then, the terms of this branch are only in the .po files. Load them as they are.
        importer = TranslationImporter(cls.env.cr, verbose=False)
        for lang in langs:
            with (
                file_open(f"account_collection/i18n/{lang[:2]}.po", "rb") as po,
                tempfile.TemporaryFile() as copy,
            ):
                copy.write(po.read())
                copy.seek(0)
                importer._load(PoFileReader(copy), lang)
        importer.save(overwrite=True)

    def test_agreement_in_two_languages_with_words_and_reference(self):
        invoice = self._invoice(self.customer, 1234.5, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10))
        report = self.env.ref("account_collection.action_report_collection_payment_plan")
        htmls = {}
        for lang in ("en_US", "nl_NL"):
            self.customer.lang = lang
            htmls[lang] = str(
                self.env["ir.actions.report"]._render_qweb_html(report.report_name, plan.ids)[0]
            )
        reference = plan._agreement_values()["reference"]
        self.assertTrue(reference.startswith("RF"))
        for html in htmls.values():
            self.assertIn(reference, html)
            self.assertIn(invoice.name, html)
        self.assertIn("two hundred and thirty-four", htmls["en_US"])
        self.assertIn("duizendtweehonderdvierendertig", htmls["nl_NL"])
        self.assertIn("Zoals afgesproken betaalt u de onderstaande facturen in termijnen", htmls["nl_NL"])
        # Propose: the email goes with the PDF, in the customer's language.
        with freeze_time("2026-03-01"):
            plan.action_propose()
        self.assertEqual(plan.state, "proposed")
        message = plan.message_ids.filtered(lambda msg: msg.message_type in ("comment", "email_outgoing"))[:1]
        self.assertTrue(message.attachment_ids.filtered(lambda att: att.mimetype == "application/pdf"))
        self.assertIn(self.customer, message.partner_ids)
        self.assertIn("uw betalingsregeling", message.subject or "")


@tagged("post_install", "-at_install")
class TestPaymentPlanPortal(PaymentPlanCommon, HttpCase):
    def _accept(self, plan, token, name="Jan Plan"):
        return self.make_jsonrpc_request(
            f"/my/payment_plans/{plan.id}/accept?access_token={token}",
            {
                "name": name,
                "signature": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
            },
        )

    def test_portal_acceptance_by_token_and_refusal_of_another_token(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        today = date.today()
        plan = self._plan(invoice, today.isoformat(), first_date=today)
        plan.action_propose()
        other_invoice = self._invoice(self.other, 100.0, "2026-01-01", "2026-01-31")
        other_plan = self._plan(other_invoice, today.isoformat(), first_date=today)
        other_plan.action_propose()

        # Another customer's token opens nothing and changes nothing.
        response = self.url_open(f"/my/payment_plans/{plan.id}?access_token={other_plan.access_token}")
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(Exception):  # noqa: B017 (the JSON-RPC error of a 404)
            self._accept(plan, other_plan.access_token)
        self.assertEqual(plan.state, "proposed")

        response = self.url_open(plan.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(plan.name, response.text)
        result = self._accept(plan, plan.access_token)
        self.assertTrue(result.get("redirect_url"), result)
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.accepted_name, "Jan Plan")
        self.assertTrue(plan.accepted_ip)
        self.assertTrue(plan.signature)
        self.assertTrue(any("Jan Plan" in body for body in plan.message_ids.mapped("body")))
        self.assertEqual(invoice.collection_payment_plan_id, plan)

    def test_portal_acceptance_tour(self):
        """In a real browser: the customer opens the token link, signs with his name, accepts."""
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        today = date.today()
        plan = self._plan(invoice, today.isoformat(), first_date=today)
        plan.action_propose()
        self.start_tour(plan.get_portal_url(), "account_collection_payment_plan_tour")
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.accepted_name, "Jan Plan")
        self.assertTrue(plan.signature)
        self.assertEqual(invoice.collection_payment_plan_id, plan)

    def test_portal_user_sees_his_plans_only(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        today = date.today()
        plan = self._plan(invoice, today.isoformat(), first_date=today)
        plan.action_propose()
        mine = new_test_user(
            self.env, login="plan_portal_mine", password="plan_portal_mine", groups="base.group_portal"
        )
        mine.partner_id.parent_id = self.customer
        theirs = new_test_user(
            self.env, login="plan_portal_theirs", password="plan_portal_theirs", groups="base.group_portal"
        )
        theirs.partner_id.parent_id = self.other
        self.authenticate("plan_portal_theirs", "plan_portal_theirs")
        self.assertEqual(self.url_open(f"/my/payment_plans/{plan.id}").status_code, 404)
        self.authenticate("plan_portal_mine", "plan_portal_mine")
        self.assertIn(plan.name, self.url_open("/my/payment_plans").text)
        self.assertEqual(self.url_open(f"/my/payment_plans/{plan.id}").status_code, 200)


@tagged("post_install", "-at_install")
class TestPaymentPlanOnline(PaymentPlanCommon, AccountPaymentCommon):
    def test_online_payment_of_the_next_instalment_reconciles_the_invoice(self):
        invoice = self._invoice(self.customer, 300.0, "2026-01-01", "2026-01-31")
        plan = self._plan(invoice, "2026-03-01", first_date=date(2026, 3, 10), activate=True)
        with freeze_time("2026-03-05"):
            link = plan._payment_link()
        # Odoo's payment link of the invoice, for the instalment's amount.
        self.assertIn(f"move_id={invoice.id}", link)
        self.assertIn("amount=100.0", link)
        self.provider.journal_id = self.company_data["default_journal_bank"]
        tx = self._create_transaction(
            "redirect",
            amount=100.0,
            currency_id=invoice.currency_id.id,
            partner_id=self.customer.id,
            invoice_ids=[Command.set(invoice.ids)],
            reference="PLAN-TX-1",
            state="done",
        )
        with freeze_time("2026-03-05"):
            tx._post_process()
            self.assertTrue(tx.payment_id)
            self.assertEqual(invoice.amount_residual, 200.0)
            self.assertEqual(invoice.payment_state, "partial")
            self.assertEqual(plan.line_ids.mapped("state"), ["paid", "due", "due"])
            self.assertEqual(plan.next_amount, 100.0)
