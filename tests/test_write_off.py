from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .test_provision import CollectionEntriesCommon


@tagged("post_install", "-at_install")
class TestWriteOff(CollectionEntriesCommon):
    def _write_off(self, invoices, date, vat_relief=False, user=None):
        env = self.env(user=user) if user else self.env
        with freeze_time(date):
            form = Form(
                env["collection.write.off"].with_context(active_model="account.move", active_ids=invoices.ids)
            )
            form.reason = "Customer bankrupt"
            # Ticked by default where the company's rule allows it: say what the test wants.
            if form.vat_relief_allowed:
                form.vat_relief = vat_relief
            wizard = form.save()
            wizard.action_confirm()
        invoices.invalidate_recordset()
        return wizard

    def _recover(self, invoice, date, amount=None):
        with freeze_time(date):
            form = Form(
                self.env["collection.recovery"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            if amount is not None:
                form.amount = amount
            form.save().action_confirm()
        invoice.invalidate_recordset()

    def _reverse(self, entry, date):
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=entry.ids)
            .create({"journal_id": entry.journal_id.id, "date": date})
        )
        wizard.reverse_moves()
        self.env.invalidate_all()
        return entry.reversal_move_ids

    def _entry(self, invoice, entry_type):
        return invoice.collection_entry_ids.filtered(lambda move: move.collection_entry_type == entry_type)

    def test_write_off_without_provision_or_relief(self):
        invoice = self._taxed_invoice()
        self._write_off(invoice, "2026-04-01")
        entry = self._entry(invoice, "write_off")
        self.assertEqual(entry.state, "posted")
        self._assert_balances(
            {self.receivable: 0.0, self.bad_debt: 1210.0, self.allowance: 0.0, self.vat_account: -210.0}
        )
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(invoice.collection_status, "written_off")
        self.assertEqual(invoice.collection_written_off_amount, 1210.0)
        receivable_line = entry.line_ids.filtered(lambda line: line.account_id == self.receivable)
        self.assertTrue(receivable_line.reconciled)
        self.assertTrue(receivable_line.full_reconcile_id, "closed against the invoice")
        # The autopilot works on open receivables: the invoice is no longer reminded.
        open_moves = [row[1] for row in self.env["collection.autopilot"]._open_items(self.company)]
        self.assertNotIn(invoice, open_moves)

    def test_write_off_with_provision_and_vat_relief_then_undo(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        self._write_off(invoice, "2026-04-01", vat_relief=True)
        entry = self._entry(invoice, "write_off")
        # The provision covers the net loss; the VAT is reclaimed; nothing left as bad debt.
        self._assert_balances(
            {
                self.receivable: 0.0,
                self.allowance: 0.0,
                self.expense: 1000.0,
                self.bad_debt: 0.0,
                self.vat_account: 0.0,
            }
        )
        vat_line = entry.line_ids.filtered(lambda line: line.account_id == self.vat_account)
        self.assertEqual(vat_line.debit, 210.0)
        self.assertEqual(vat_line.tax_line_id, self.vat21)
        self.assertEqual(vat_line.tax_repartition_line_id.document_type, "refund")
        self.assertEqual(vat_line.tax_tag_ids, self.tag_refund, "reaches the VAT return")
        self.assertEqual(invoice.collection_status, "written_off")
        self.assertEqual(invoice.collection_vat_relief_amount, 210.0)
        self.assertEqual(invoice.collection_provision_amount, 0.0)

        # Undo through Odoo's reversal: the invoice is open again, provision and VAT back.
        reversal = self._reverse(entry, "2026-04-05")
        self.assertEqual(reversal.collection_entry_type, "write_off_reversal")
        self._assert_balances(
            {
                self.receivable: 1210.0,
                self.allowance: -1000.0,
                self.expense: 1000.0,
                self.bad_debt: 0.0,
                self.vat_account: -210.0,
            }
        )
        self.assertEqual(invoice.amount_residual, 1210.0)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.collection_status, "doubtful")
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
        # Paid later after all: the restored provision is released as usual.
        self._pay(invoice, 1210.0, "2026-04-10")
        self._assert_balances({self.allowance: 0.0, self.expense: 0.0, self.receivable: 0.0})

    def test_write_off_partial_provision_partly_paid(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15", mode="percentage", percentage=50.0)
        self._pay(invoice, 242.0, "2026-03-20")  # 20% paid: 20% of the provision released
        self._assert_balances({self.allowance: -400.0, self.receivable: 968.0})
        self._write_off(invoice, "2026-04-01")
        # 968 still due: 400 from the allowance, 568 bad debt; no VAT relief asked.
        self._assert_balances(
            {
                self.receivable: 0.0,
                self.allowance: 0.0,
                self.expense: 400.0,
                self.bad_debt: 568.0,
                self.vat_account: -210.0,
            }
        )
        self.assertEqual(invoice.collection_written_off_amount, 968.0)
        self.assertEqual(invoice.amount_residual, 0.0)

    def test_vat_relief_after_months(self):
        """Dutch rule: VAT relief only a year after the due date."""
        self.company.write({"collection_vat_relief": "delay", "collection_vat_relief_months": 12})
        invoice = self._taxed_invoice(due_date="2026-02-10")
        with freeze_time("2026-08-10"):
            wizard = self.env["collection.write.off"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
            self.assertFalse(wizard.create({"reason": "x"}).vat_relief_allowed)
        with freeze_time("2027-02-10"):
            wizard = self.env["collection.write.off"].with_context(
                active_model="account.move", active_ids=invoice.ids
            )
            self.assertTrue(wizard.create({"reason": "x"}).vat_relief_allowed)
        # Asked for too early, the relief is not taken.
        invoice._collection_write_off(fields.Date.to_date("2026-08-10"), "too early", vat_relief=True)
        self._assert_balances({self.vat_account: -210.0, self.bad_debt: 1210.0, self.receivable: 0.0})

    def test_recovery_after_write_off_and_undo(self):
        invoice = self._taxed_invoice()
        self._write_off(invoice, "2026-04-01", vat_relief=True)
        self._assert_balances({self.bad_debt: 1000.0, self.vat_account: 0.0, self.receivable: 0.0})

        # Half of it comes in: registered as a payment of the customer, then booked as recovery.
        payment = self._customer_payment(605.0, "2026-05-02")
        self._assert_balances({self.receivable: -605.0})
        self._recover(invoice, "2026-05-03")
        recovery = self._entry(invoice, "recovery")
        self._assert_balances({self.receivable: 0.0, self.recovery: -500.0, self.vat_account: -105.0})
        self.assertTrue(
            payment.move_id.line_ids.filtered(lambda line: line.account_id == self.receivable).reconciled
        )
        self.assertEqual(invoice.collection_recovered_amount, 605.0)
        self.assertEqual(invoice.collection_status, "written_off")
        self.assertEqual(invoice.collection_vat_relief_amount, 105.0)
        vat_line = recovery.line_ids.filtered(lambda line: line.account_id == self.vat_account)
        self.assertEqual(vat_line.tax_tag_ids, self.tag_invoice)
        self.assertIn(recovery.name, invoice.message_ids.mapped("body")[0])

        # Undo the write-off while a recovery exists: refused, reverse the recovery first.
        with self.assertRaisesRegex(UserError, "recovery"):
            self._reverse(self._entry(invoice, "write_off"), "2026-05-04")

        # Undo the recovery: the payment is an open credit again.
        self._reverse(recovery, "2026-05-04")
        self._assert_balances({self.receivable: -605.0, self.recovery: 0.0, self.vat_account: 0.0})
        self.assertEqual(invoice.collection_recovered_amount, 0.0)
        self.assertEqual(invoice.collection_status, "written_off")

        # Booked again, and the rest arrives: fully recovered, VAT fully due again.
        self._recover(invoice, "2026-05-05")
        self._customer_payment(605.0, "2026-05-10")
        self._recover(invoice, "2026-05-11")
        self._assert_balances(
            {self.receivable: 0.0, self.recovery: -1000.0, self.vat_account: -210.0, self.bad_debt: 1000.0}
        )
        self.assertEqual(invoice.collection_status, "recovered")
        with self.assertRaisesRegex(UserError, "not written off"):
            self._recover(invoice, "2026-05-12")

    def test_foreign_currency_write_off(self):
        # 1210 EUR at 2 EUR per USD (605 USD), written off at 2.5 (484 USD).
        invoice = self._taxed_invoice(currency=self.eur)
        self._mark_doubtful(invoice, "2026-03-15")  # 1000 EUR = 400 USD
        self._write_off(invoice, "2026-04-01")
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(invoice.collection_status, "written_off")
        # The receivable is closed in both currencies: Odoo books the exchange difference.
        self._assert_balances({self.receivable: 0.0}, currency=True)
        self._assert_balances(
            {self.receivable: 0.0, self.allowance: 0.0, self.expense: 400.0, self.bad_debt: 84.0}
        )
        self._assert_balances({self.allowance: 0.0, self.bad_debt: 210.0}, currency=True)
        receivables = invoice.line_ids.filtered(lambda line: line.account_id == self.receivable)
        self.assertTrue(receivables.matched_credit_ids.exchange_move_id, "exchange difference through Odoo")

        # Undo: the invoice is open again in both currencies.
        self._reverse(self._entry(invoice, "write_off"), "2026-04-05")
        self.assertEqual(invoice.amount_residual, 1210.0)
        self._assert_balances({self.receivable: 1210.0}, currency=True)
        self._assert_balances({self.receivable: 605.0, self.allowance: -400.0, self.bad_debt: 0.0})

    def test_refusals(self):
        invoice = self._taxed_invoice()
        # A clerk may not write off.
        with self.assertRaises(AccessError):
            self._write_off(invoice, "2026-04-01", user=self.clerk)
        # Tax lock date with VAT relief: says which lock date.
        self.company.tax_lock_date = "2026-04-30"
        with self.assertRaisesRegex(UserError, "Tax Return Lock Date|Tax"):
            self._write_off(invoice, "2026-04-01", vat_relief=True)
        self.company.tax_lock_date = False
        # A missing setting: says which.
        bad_debt = self.company.collection_bad_debt_account_id
        self.company.collection_bad_debt_account_id = False
        with self.assertRaisesRegex(UserError, "Bad-debt expense account"):
            self._write_off(invoice, "2026-04-01")
        self.company.collection_bad_debt_account_id = bad_debt
        self.assertFalse(self._collection_entries(), "nothing was posted")
        self._assert_balances({self.receivable: 1210.0, self.bad_debt: 0.0})

        self.assertFalse(self.account_admin.has_group("account.group_account_user"))
        self._write_off(invoice, "2026-04-01", user=self.account_admin)
        self.assertEqual(invoice.collection_status, "written_off")
        with self.assertRaisesRegex(UserError, "already written off"):
            self._write_off(invoice, "2026-04-02")
        with self.assertRaisesRegex(UserError, "already written off"):
            self._mark_doubtful(invoice, "2026-04-02")

    def test_write_off_is_not_collected(self):
        """A promise on an invoice that was written off is not kept: no money came in."""
        invoice = self._taxed_invoice()
        promise = self.env["collection.promise"].create(
            {"partner_id": self.customer.id, "move_ids": [(6, 0, invoice.ids)], "date": "2026-04-15"}
        )
        self._write_off(invoice, "2026-04-01")
        self.assertEqual(invoice.payment_state, "paid", "Odoo sees the receivable closed")
        self.assertFalse(promise._is_kept())
        with freeze_time("2026-05-01"):
            self.env["collection.autopilot"]._update_promises(self.company, fields.Date.to_date("2026-05-01"))
        self.assertEqual(promise.state, "broken")
