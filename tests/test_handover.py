import csv
import io
from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .test_provision import CollectionEntriesCommon


@tagged("post_install", "-at_install")
class TestHandover(CollectionEntriesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.commission_account = Account.create(
            {"name": "Collection costs", "code": "6540", "account_type": "expense"}
        )
        cls.factor_receivable = Account.create(
            {
                "name": "Receivable from factor",
                "code": "1250",
                "account_type": "asset_receivable",
                "reconcile": True,
            }
        )
        cls.factor_reserve = Account.create(
            {"name": "Factor reserve", "code": "1251", "account_type": "asset_current"}
        )
        cls.factor_fee = Account.create({"name": "Factoring fees", "code": "6541", "account_type": "expense"})
        cls.factor_liability = Account.create(
            {"name": "Liability to factor", "code": "2550", "account_type": "liability_current"}
        )
        cls.company.write(
            {
                "collection_commission_account_id": cls.commission_account.id,
                "collection_factor_receivable_account_id": cls.factor_receivable.id,
                "collection_factor_reserve_account_id": cls.factor_reserve.id,
                "collection_factor_fee_account_id": cls.factor_fee.id,
                "collection_factor_liability_account_id": cls.factor_liability.id,
                "collection_policy_id": cls.policy_standard.id,
            }
        )
        address = {"street": "Kerkstraat 1", "city": "Utrecht", "zip": "3511"}
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Incasso BV",
                "email": "dossiers@incasso.example",
                "is_company": True,
                "collection_receiver_kind": "agency",
                "collection_commission_rate": 20.0,
                **address,
            }
        )
        cls.factor = cls.env["res.partner"].create(
            {
                "name": "Factor NV",
                "email": "sales@factor.example",
                "is_company": True,
                "collection_receiver_kind": "factor",
                "collection_advance_rate": 80.0,
                "collection_factoring_fee_rate": 5.0,
                **address,
            }
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.bank_account = (
            cls.bank_journal.inbound_payment_method_line_ids.payment_account_id[:1]
            or cls.bank_journal.default_account_id
        )
        cls.customer.write({"street": "Main Street 5", "city": "Leeds", "zip": "LS1"})

    # --- helpers --------------------------------------------------------------------------------

    def _handover(self, invoices, receiver=None, kind="agency", user=None, date_=None, **vals):
        env = self.env(user=user) if user else self.env
        with freeze_time(date_ or "2026-04-01"):
            action = invoices.with_env(env).action_collection_handover()
            form = Form(env["collection.handover"].with_context(**action["context"]))
            form.kind = kind
            form.receiver_id = receiver or (self.factor if kind == "factoring" else self.agency)
            for name, value in vals.items():
                setattr(form, name, value)
            handover = form.save()
            handover.action_confirm()
        invoices.invalidate_recordset()
        return handover.with_env(self.env)

    def _book(self, handover, operation, date_, amount=None, commission=None, user=None):
        env = self.env(user=user) if user else self.env
        with freeze_time(date_):
            form = Form(
                env["collection.handover.entry"].with_context(
                    active_model="collection.handover", active_id=handover.id, default_operation=operation
                )
            )
            form.journal_id = self.bank_journal
            if amount is not None:
                form.amount = amount
            if commission is not None:
                form.commission = commission
            form.save().action_confirm()
        self.env.invalidate_all()

    def _run(self, day):
        with freeze_time(day):
            return self.env["collection.autopilot"].sudo()._run(self.company)

    def _entries(self, handover):
        return handover.line_ids.move_id

    # --- dossier and reminders -------------------------------------------------------------------

    def test_dossier_sent_and_reminders_stop(self):
        """The clerk hands over: the agency receives the dossier (PDF + CSV with the history) and
        the customer gets nothing more from us on any day while handed over."""
        invoice = self._invoice(self.customer, 1000.0, "2026-02-01", "2026-03-01")
        other = self.env["res.partner"].create({"name": "Other Customer", "email": "o@example.com"})
        other_invoice = self._invoice(other, 300.0, "2026-02-01", "2026-03-01")
        first = self._run("2026-03-04")
        self.assertEqual(first.partner_id, self.customer | other, "both reminded before the hand-over")

        handover = self._handover(invoice, user=self.clerk, date_="2026-03-06")
        self.assertEqual(handover.state, "handed_over")
        self.assertTrue(handover.name.startswith("HO/"))
        self.assertEqual(handover.amount_handed_over, 1000.0)
        self.assertEqual(invoice.collection_handover_id, handover)
        self.assertEqual(invoice.collection_status, "handed_over")
        self.assertEqual(invoice.collection_pause_reason, "handover")
        self.assertIn(
            invoice, self.env["account.move"].search([("collection_pause_reason", "=", "handover")])
        )
        self.assertFalse(self._entries(handover), "an agency hand-over posts nothing")

        dossier = handover.message_ids.filtered(lambda msg: self.agency in msg.partner_ids)
        self.assertEqual(len(dossier), 1)
        self.assertEqual(sorted(dossier.attachment_ids.mapped("mimetype")), ["application/pdf", "text/csv"])
        csv_rows = list(
            csv.reader(
                io.StringIO(dossier.attachment_ids.filtered(lambda a: a.mimetype == "text/csv").raw.decode())
            )
        )
        invoice_rows = [row for row in csv_rows if row[0] == "invoice"]
        self.assertEqual(
            [(row[2], row[3], row[4], row[7]) for row in invoice_rows],
            [(invoice.name, "2026-03-01", "5", "1000.00")],
        )
        self.assertTrue(
            any(row[0] == "Reminder" and row[1] == "2026-03-04" and "email" in row[8] for row in csv_rows)
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(handover._dossier_report(), handover.ids)[0]
            .decode()
        )
        self.assertIn(invoice.name, html)
        self.assertIn("Incasso BV", html)
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(handover._dossier_report(), handover.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"), "the dossier renders as a PDF")
        notice = handover.message_ids.filtered(lambda msg: self.customer in msg.partner_ids)
        self.assertEqual(len(notice), 1, "the customer receives the notice")
        self.assertIn("Incasso BV", notice.subject)

        communications = self.env["collection.communication"]
        day = date(2026, 3, 7)
        while day <= date(2026, 5, 31):
            communications |= self._run(day)
            day += timedelta(days=1)
        self.assertFalse(
            communications.filtered(lambda comm: comm.partner_id == self.customer),
            "nothing sent to the customer while handed over",
        )
        self.assertTrue(
            communications.filtered(lambda comm: comm.partner_id == other),
            "the other customer is still reminded",
        )
        self.assertEqual(self.customer.with_company(self.company).collection_pause_reason, "handover")
        self.assertTrue(other_invoice)

    def test_policy_last_level_suggests_handover(self):
        policy = self.policy_standard.copy({"end_action": "handover"})
        self.customer.with_company(self.company).sudo().collection_policy_id = policy
        self._invoice(self.customer, 500.0, "2026-01-01", "2026-01-10")
        day = date(2026, 1, 11)
        while day <= date(2026, 2, 20):
            self._run(day)
            day += timedelta(days=1)
        partner = self.customer.with_company(self.company)
        partner.invalidate_recordset()
        self.assertTrue(partner.collection_end_of_policy)
        self.assertTrue(partner.collection_handover_suggested)
        action = partner.with_user(self.clerk).action_collection_handover()
        form = Form(self.env["collection.handover"].with_user(self.clerk).with_context(**action["context"]))
        form.receiver_id = self.agency
        handover = form.save()
        self.assertEqual(handover.state, "draft")
        self.assertEqual(handover.move_ids.commercial_partner_id, self.customer)

    # --- agency and lawyer recoveries --------------------------------------------------------------

    def test_partial_then_full_recovery(self):
        first = self._invoice(self.customer, 600.0, "2026-01-10", "2026-02-10")
        second = self._invoice(self.customer, 400.0, "2026-01-20", "2026-02-20")
        handover = self._handover(first | second)
        self._book(handover, "recovery", "2026-04-10", amount=700.0)
        self.assertEqual(handover.state, "partial")
        self.assertEqual(handover.amount_recovered, 700.0)
        self.assertEqual(handover.amount_commission, 140.0)
        self.assertEqual(first.payment_state, "paid", "the oldest due invoice is paid first")
        self.assertEqual(second.amount_residual, 300.0)
        self._assert_balances({self.receivable: 300.0})
        self.assertAlmostEqual(
            sum(
                self.env["account.move.line"]
                .search([("account_id", "=", self.commission_account.id), ("parent_state", "=", "posted")])
                .mapped("balance")
            ),
            140.0,
        )
        bank_lines = self._entries(handover).line_ids.filtered(
            lambda line: line.collection_handover_role == "bank"
        )
        self.assertEqual(bank_lines.account_id, self.bank_account)
        self.assertEqual(bank_lines.partner_id, self.agency)
        self.assertAlmostEqual(bank_lines.balance, 560.0)

        self._book(handover, "recovery", "2026-04-20", amount=300.0)
        self.assertEqual(handover.state, "recovered")
        self.assertEqual(second.payment_state, "paid")
        self.assertEqual(handover.amount_recovered, 1000.0)
        self.assertEqual(handover.amount_commission, 200.0)
        self.assertAlmostEqual(handover.recovery_rate, 100.0)
        self._assert_balances({self.receivable: 0.0})
        for entry in self._entries(handover):
            self.assertEqual(entry.state, "posted")
            self.assertTrue(entry.currency_id.is_zero(sum(entry.line_ids.mapped("balance"))))
        self.assertEqual(self.customer.with_company(self.company).collection_pause_reason, False)
        handover.action_close()
        self.assertEqual(handover.state, "closed")

    def test_recovery_releases_provision(self):
        invoice = self._taxed_invoice()  # 1000 + 210 VAT, provision excludes VAT
        self._mark_doubtful(invoice, "2026-03-15")
        self.assertAlmostEqual(invoice.collection_provision_amount, 1000.0)
        handover = self._handover(invoice)
        self._book(handover, "recovery", "2026-04-10", amount=605.0, commission=60.5)
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.amount_residual, 605.0)
        self.assertAlmostEqual(invoice.collection_provision_amount, 500.0, msg="half paid, half released")
        self._assert_balances({self.allowance: -500.0, self.expense: 500.0})
        self._book(handover, "recovery", "2026-04-20", amount=605.0, commission=60.5)
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.collection_provision_amount, 0.0)
        self._assert_balances({self.allowance: 0.0, self.expense: 0.0, self.receivable: 0.0})

    def test_recovery_in_foreign_currency_and_reversal(self):
        # 1000 EUR at 2.0 on the invoice date, recovered when the rate is 2.5.
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10", currency=self.eur)
        handover = self._handover(invoice)
        self.assertEqual(handover.currency_id, self.eur)
        self._book(handover, "recovery", "2026-04-10", amount=1000.0)
        entry = self._entries(handover)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(set(entry.line_ids.currency_id.mapped("name")), {"EUR"})
        bank = entry.line_ids.filtered(lambda line: line.collection_handover_role == "bank")
        commission = entry.line_ids.filtered(lambda line: line.collection_handover_role == "commission")
        self.assertAlmostEqual(bank.amount_currency, 800.0)
        self.assertAlmostEqual(commission.amount_currency, 200.0)
        self.assertAlmostEqual(bank.balance, 320.0)
        self.assertAlmostEqual(commission.balance, 80.0)
        self._assert_balances({self.receivable: 0.0})
        self._assert_balances({self.receivable: 0.0}, currency=True)
        # Odoo's reversal reopens the invoice; the hand-over goes back to the agency.
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=entry.ids)
            .create({"journal_id": entry.journal_id.id, "date": "2026-04-11"})
        )
        reversal.reverse_moves()
        self.env.invalidate_all()
        self.assertEqual(invoice.amount_residual, 1000.0)
        self.assertEqual(handover.amount_recovered, 0.0)
        self.assertEqual(handover.amount_commission, 0.0)
        self.assertEqual(handover.state, "handed_over")
        self.assertEqual(invoice.collection_status, "handed_over")

    def test_return_and_write_off(self):
        invoice = self._taxed_invoice()
        handover = self._handover(invoice)
        self._book(handover, "recovery", "2026-04-10", amount=210.0, commission=0.0)
        with freeze_time("2026-05-01"):
            action = handover.action_return()
        self.assertEqual(handover.state, "returned")
        self.assertEqual(action["res_model"], "collection.write.off")
        self.assertFalse(invoice.collection_pause_reason, "returned: no longer paused")
        self.assertNotEqual(invoice.collection_status, "handed_over")
        with freeze_time("2026-05-01"):
            form = Form(self.env["collection.write.off"].with_context(**action["context"]))
            form.reason = "Returned by the agency"
            form.vat_relief = True
            form.save().action_confirm()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_status, "written_off")
        self.assertEqual(invoice.payment_state, "paid")
        # 1000 left of 1210: its VAT share (173.55) is relieved, the rest is the loss.
        self._assert_balances({self.receivable: 0.0, self.bad_debt: 826.45})
        self.assertEqual(handover.state, "closed", "written off after the return: the hand-over is filed")

    def test_links_are_the_addons_own(self):
        """Nobody links an invoice or a journal item to a hand-over by hand; a duplicated
        recovery entry is a plain entry that counts for no hand-over."""
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10")
        other = self._invoice(self.customer, 500.0, "2026-01-10", "2026-02-10")
        handover = self._handover(invoice)
        with self.assertRaises(AccessError):
            other.with_user(self.clerk).write({"collection_handover_id": handover.id})
        with self.assertRaises(AccessError):
            invoice.with_user(self.accountant).write({"collection_handover_id": False})
        self._book(handover, "recovery", "2026-04-10", amount=400.0)
        entry = self._entries(handover)
        with self.assertRaises(AccessError):
            entry.line_ids[0].with_user(self.accountant).write({"collection_handover_role": "commission"})
        duplicate = entry.copy()
        self.assertFalse(duplicate.line_ids.collection_handover_id)
        duplicate.action_post()
        handover.invalidate_recordset()
        self.assertEqual(handover.amount_recovered, 400.0)

    # --- factoring -----------------------------------------------------------------------------

    def test_factoring_without_recourse(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10")
        handover = self._handover(invoice, kind="factoring", user=self.accountant)
        self.assertEqual(handover.state, "handed_over")
        self.assertEqual(invoice.payment_state, "paid", "sold without recourse: closed by the sale")
        self._assert_balances({self.receivable: 0.0})
        self.assertEqual(self._balance_of(self.factor_receivable), 800.0)
        self.assertEqual(self._balance_of(self.factor_fee), 50.0)
        self.assertEqual(self._balance_of(self.factor_reserve), 150.0)
        self.assertEqual(handover.amount_reserve, 150.0)
        self.assertEqual(handover.amount_commission, 50.0)
        # The factor keeps 10 more at the final settlement.
        self._book(handover, "settlement", "2026-05-01", amount=140.0)
        self.assertEqual(handover.state, "recovered")
        self.assertEqual(self._balance_of(self.factor_reserve), 0.0)
        self.assertEqual(self._balance_of(self.factor_fee), 60.0)
        self.assertEqual(self._balance_of(self.bank_account), 140.0)
        with self.assertRaises(UserError):
            handover._book_buyback(date(2026, 5, 2), self.bank_journal)

    def test_factoring_with_recourse_buyback_and_settlement(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10")
        handover = self._handover(invoice, kind="factoring", recourse=True)
        self.assertEqual(invoice.amount_residual, 1000.0, "with recourse the invoice stays open")
        self.assertEqual(invoice.collection_pause_reason, "handover")
        self.assertEqual(self._balance_of(self.factor_liability), -850.0)
        self.assertEqual(self._balance_of(self.factor_receivable), 800.0)
        self.assertEqual(handover.amount_liability, 850.0)
        self._book(handover, "buyback", "2026-05-01")
        self.assertEqual(handover.state, "returned")
        self.assertEqual(self._balance_of(self.factor_liability), 0.0)
        self.assertEqual(invoice.amount_residual, 1000.0)
        self.assertFalse(invoice.collection_pause_reason, "bought back: ours to collect again")

        second = self._invoice(self.customer, 2000.0, "2026-01-10", "2026-02-10")
        handover = self._handover(second, kind="factoring", recourse=True)
        self.assertEqual(handover.amount_liability, 1700.0)
        # The customer paid the factor: it keeps what it advanced and its fee and pays us the rest.
        self._book(handover, "settlement", "2026-05-10", amount=300.0)
        self.assertEqual(handover.state, "recovered")
        self.assertEqual(second.payment_state, "paid")
        self.assertEqual(self._balance_of(self.factor_liability), 0.0)
        self._assert_balances({self.receivable: 1000.0})

    def test_factoring_in_foreign_currency_and_reversal(self):
        # 1000 EUR sold when the rate is 2.5 (400 in company currency), invoiced at 2.0 (500).
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10", currency=self.eur)
        handover = self._handover(invoice, kind="factoring", user=self.accountant)
        sale = self._entries(handover)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(set(sale.line_ids.currency_id.mapped("name")), {"EUR"})
        advance = sale.line_ids.filtered(lambda line: line.collection_handover_role == "advance")
        self.assertAlmostEqual(advance.amount_currency, 800.0)
        self.assertAlmostEqual(advance.balance, 320.0)
        self.assertAlmostEqual(sum(sale.line_ids.mapped("balance")), 0.0)
        self._assert_balances({self.receivable: 0.0})
        self._assert_balances({self.receivable: 0.0}, currency=True)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=sale.ids)
            .create({"journal_id": sale.journal_id.id, "date": "2026-04-02"})
        )
        reversal.reverse_moves()
        self.env.invalidate_all()
        self.assertEqual(invoice.amount_residual, 1000.0)
        self.assertEqual(handover.state, "returned", "the reversed sale gives the invoices back")
        self.assertEqual(self._balance_of(self.factor_receivable), 0.0)
        self.assertEqual(self._balance_of(self.factor_reserve), 0.0)
        self.assertFalse(invoice.collection_pause_reason)

    def _balance_of(self, account):
        return round(
            sum(
                self.env["account.move.line"]
                .search([("account_id", "=", account.id), ("parent_state", "=", "posted")])
                .mapped("balance")
            ),
            2,
        )

    # --- refusals and access -----------------------------------------------------------------------

    def _assert_refused(self, exception, function, *args, message=None):
        before = self.env["account.move"].search_count([])
        with self.assertRaises(exception) as caught:
            function(*args)
        if message:
            self.assertIn(message, str(caught.exception))
        self.assertEqual(self.env["account.move"].search_count([]), before, "nothing posted")

    def test_refusals(self):
        invoice = self._invoice(self.customer, 1000.0, "2026-01-10", "2026-02-10")
        handover = self._handover(invoice)
        self._assert_refused(UserError, invoice.action_collection_handover, message="already handed over")
        draft = self.env["collection.handover"].create(
            {
                "partner_id": self.customer.id,
                "receiver_id": self.agency.id,
                "move_ids": [Command.set(invoice.ids)],
            }
        )
        self._assert_refused(UserError, draft.action_confirm, message="already handed over")

        other = self.env["res.partner"].create({"name": "Someone Else"})
        other_invoice = self._invoice(other, 100.0, "2026-01-10", "2026-02-10")
        mine = self._invoice(self.customer, 100.0, "2026-01-10", "2026-02-10")
        self._assert_refused(
            UserError, (mine | other_invoice).action_collection_handover, message="one customer"
        )
        draft.move_ids = [Command.set((mine | other_invoice).ids)]
        self._assert_refused(UserError, draft.action_confirm, message="another customer")

        written_off = self._invoice(self.customer, 100.0, "2026-01-10", "2026-02-10")
        with freeze_time("2026-03-01"):
            written_off._collection_write_off(date(2026, 3, 1), "gone")
        self._assert_refused(UserError, written_off.action_collection_handover, message="written off")

        other_company = self.setup_other_company(name="Handover Company B")["company"]
        foreign = self._invoice(self.customer, 100.0, "2026-01-10", "2026-02-10", company=other_company)
        with self.assertRaises(UserError):
            draft.move_ids = [Command.set((mine | foreign).ids)]
        both = (mine | foreign).with_context(allowed_company_ids=(self.company | other_company).ids)
        self._assert_refused(UserError, both.action_collection_handover, message="one company")

        # Receivers without address or accounts.
        draft.move_ids = [Command.set(mine.ids)]
        no_address = self.agency.copy({"street": False, "name": "No Address Agency"})
        draft.receiver_id = no_address
        self._assert_refused(UserError, draft.action_confirm, message="address")
        self.company.collection_commission_account_id = False
        draft.receiver_id = self.agency
        self._assert_refused(UserError, draft.action_confirm, message="Collection costs")
        self.agency.with_company(self.company).collection_commission_account_id = self.commission_account
        draft.action_confirm()
        self.assertEqual(draft.state, "handed_over", "the receiver's own account is enough")

        # Over-recovery, lock dates, access.
        self._assert_refused(
            UserError,
            handover._book_recovery,
            date(2026, 4, 10),
            1000.01,
            0.0,
            self.bank_journal,
            message="at most",
        )
        self._assert_refused(
            UserError,
            handover._book_recovery,
            date(2026, 4, 10),
            100.0,
            150.0,
            self.bank_journal,
        )
        self.company.fiscalyear_lock_date = "2026-04-30"
        self._assert_refused(
            UserError,
            handover._book_recovery,
            date(2026, 4, 10),
            100.0,
            0.0,
            self.bank_journal,
            message="lock date",
        )
        self.company.fiscalyear_lock_date = False
        self._assert_refused(
            AccessError,
            handover.with_user(self.clerk)._book_recovery,
            date(2026, 5, 10),
            100.0,
            0.0,
            self.bank_journal,
        )
        with self.assertRaises(AccessError):
            handover.with_user(self.clerk).action_recovery()
        factoring = (
            self.env["collection.handover"]
            .with_user(self.clerk)
            .create(
                {
                    "kind": "factoring",
                    "partner_id": self.customer.id,
                    "receiver_id": self.factor.id,
                    "move_ids": [
                        Command.set(self._invoice(self.customer, 50.0, "2026-01-10", "2026-02-10").ids)
                    ],
                }
            )
        )
        self._assert_refused(AccessError, factoring.action_confirm)
        self.assertEqual(factoring.state, "draft")
        factoring.advance_rate, factoring.fee_rate = 90.0, 20.0
        self._assert_refused(
            UserError, factoring.with_user(self.accountant).action_confirm, message="advance"
        )

    # --- insolvency -------------------------------------------------------------------------------

    def test_insolvency_stops_reminders_and_lifting_resumes_nothing(self):
        invoice = self._taxed_invoice(invoice_date="2026-02-01", due_date="2026-03-01")
        self.assertTrue(self._run("2026-03-04"))
        trustee = self.env["res.partner"].create({"name": "Mr Trustee", "street": "Court 1", "city": "Leeds"})
        with freeze_time("2026-03-05"):
            insolvency = (
                self.env["collection.insolvency"]
                .with_user(self.clerk)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "date": "2026-03-05",
                        "trustee_id": trustee.id,
                        "case_number": "F.01/26/123",
                        "claim_deadline": "2026-04-30",
                    }
                )
            )
        self.assertEqual(self.customer.with_company(self.company).collection_insolvency_id, insolvency)
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_pause_reason, "insolvency")
        communications = self.env["collection.communication"]
        day = date(2026, 3, 5)
        while day <= date(2026, 4, 15):
            communications |= self._run(day)
            day += timedelta(days=1)
        self.assertFalse(communications, "no reminder to an insolvent customer")
        with self.assertRaises(UserError):
            self.customer.with_user(self.clerk).action_collection_send_now()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["collection.insolvency"].create({"partner_id": self.customer.id, "date": "2026-03-06"})

        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_collection.action_report_collection_claim", insolvency.ids)[0]
            .decode()
        )
        self.assertIn(invoice.name, html)
        self.assertIn("F.01/26/123", html)
        self.assertIn("1,210.00", html)

        action = insolvency.with_user(self.accountant).action_provision()
        with freeze_time("2026-03-10"):
            form = Form(
                self.env["collection.doubtful"].with_user(self.accountant).with_context(**action["context"])
            )
            form.save().action_confirm()
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.collection_provision_amount, 1000.0, msg="100% provision offered")

        self.company.collection_vat_relief = "delay"
        self.company.collection_vat_relief_months = 12
        self.assertFalse(invoice._collection_vat_relief_allowed(date(2026, 4, 1)))
        self.company.collection_insolvency_vat_relief = True
        self.assertTrue(invoice._collection_vat_relief_allowed(date(2026, 4, 1)))
        self.assertFalse(
            invoice._collection_vat_relief_allowed(date(2026, 3, 4)), "not before the insolvency"
        )

        with freeze_time("2026-04-16"):
            insolvency.with_user(self.clerk).action_lift()
        self.assertEqual(insolvency.state, "lifted")
        self.assertFalse(self._run("2026-04-17"), "lifting resumes nothing by itself")
        self.assertFalse(self._run("2026-05-17"))
        with freeze_time("2026-05-18"):
            self.customer.with_user(self.clerk).action_collection_resume()
        self.assertTrue(self._run("2026-05-18"), "the collector resumed: reminders go on")
