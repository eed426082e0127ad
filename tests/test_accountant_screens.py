import re

from freezegun import freeze_time

from odoo.tests import Form, HttpCase, new_test_user, tagged

from .test_provision import CollectionEntriesCommon
from .test_write_off import TestWriteOff


@tagged("post_install", "-at_install")
class TestAccountantScreens(CollectionEntriesCommon):
    """What the accountant sees: the matrix's preview, the wizards' journal items, the chatter."""

    _write_off = TestWriteOff._write_off
    _entry = TestWriteOff._entry

    def _matrix(self, date):
        with freeze_time(date):
            matrix = Form(self.env["collection.provision.matrix"].with_user(self.accountant)).save()
            matrix.action_preview()
        return matrix

    def test_matrix_leaves_a_manual_provision_alone(self):
        with freeze_time("2026-06-30"):
            # The matrix would ask 100% of the first and 1% of the second: both were judged by hand.
            judged_low = self._invoice(self.customer, 1000.0, "2025-11-12", "2025-12-12")
            judged_high = self._invoice(self.customer, 1000.0, "2026-06-01", "2026-07-31")
            late_45 = self._invoice(self.customer, 1000.0, "2026-04-16", "2026-05-16")
            late_10 = self._invoice(self.customer, 1000.0, "2026-05-20", "2026-06-20")
            current = self._invoice(self.customer, 500.0, "2026-06-10", "2026-07-10")
        self._mark_doubtful(judged_low, "2026-06-25", mode="percentage", percentage=20.0)
        self._mark_doubtful(judged_high, "2026-06-25")
        self._assert_balances({self.allowance: -1200.0})

        matrix = self._matrix("2026-06-30")
        lines = {line.move_id: line for line in matrix.line_ids}
        self.assertNotIn(judged_low, lines, "never raised")
        self.assertNotIn(judged_high, lines, "never lowered")
        # The preview says which ones it leaves as booked by hand.
        self.assertEqual(matrix.manual_move_ids, judged_low | judged_high)
        self.assertEqual(set(lines), {late_45, late_10, current})

        # One summary line per bucket, in the company's currency.
        summary = {bucket.days_from: bucket for bucket in matrix.bucket_ids}
        self.assertEqual(summary[31].invoice_count, 1)
        self.assertEqual(summary[31].residual_company, 1000.0)
        self.assertEqual(summary[31].target_company, 100.0)
        self.assertEqual(summary[1].target_company, 30.0)
        self.assertEqual(summary[0].invoice_count, 1)
        self.assertEqual(summary[0].target_company, 5.0)
        self.assertEqual(summary[181].invoice_count, 0, "the 200-days invoice was judged by hand")
        self.assertEqual(sum(matrix.bucket_ids.mapped("difference_company")), matrix.total_difference)

        # The accountant leaves the 10-days invoice out: it is no longer previewed nor posted.
        with freeze_time("2026-06-30"):
            lines[late_10].with_user(self.accountant).action_leave_out()
        self.assertEqual(matrix.excluded_move_ids, late_10)
        self.assertNotIn(late_10, matrix.line_ids.move_id)
        self.assertEqual(summary[1].invoice_count, 0)
        self.assertAlmostEqual(matrix.total_difference, 105.0)
        with freeze_time("2026-06-30"):
            matrix.action_post()
        (judged_low | judged_high | late_45 | late_10 | current).invalidate_recordset()
        self.assertEqual(judged_low.collection_provision_amount, 200.0)
        self.assertEqual(judged_high.collection_provision_amount, 1000.0)
        self.assertEqual(late_45.collection_provision_amount, 100.0)
        self.assertEqual(late_10.collection_provision_amount, 0.0)
        self.assertEqual(current.collection_provision_amount, 5.0)
        self.assertEqual((judged_low | judged_high).mapped("collection_provision_kind"), ["specific"] * 2)
        self._assert_balances({self.allowance: -1305.0, self.expense: 1305.0})

        # Run again: the manual provisions are still left alone, the others are at target.
        matrix = self._matrix("2026-06-30")
        self.assertEqual(matrix.manual_move_ids, judged_low | judged_high)
        self.assertFalse(matrix._lines_to_post().move_id - late_10)

    def test_write_off_reclaims_the_vat_by_default_when_the_rule_allows_it(self):
        # Dutch rule: VAT relief one year after the due date.
        self.company.write({"collection_vat_relief": "delay", "collection_vat_relief_months": 12})
        old = self._taxed_invoice(invoice_date="2025-01-10", due_date="2025-02-10")
        recent = self._taxed_invoice(invoice_date="2026-01-10", due_date="2026-02-10")

        def default(invoices, date="2026-04-01"):
            with freeze_time(date):
                form = Form(
                    self.env["collection.write.off"].with_context(
                        active_model="account.move", active_ids=invoices.ids
                    )
                )
                return form.vat_relief

        self.assertTrue(default(old), "allowed for the only invoice")
        self.assertFalse(default(old | recent), "not allowed for every invoice")
        self.assertFalse(default(recent))
        self.assertTrue(default(recent, date="2027-02-10"), "a year after its due date")
        self.company.collection_vat_relief = "write_off"
        self.assertTrue(default(old | recent))
        self.company.collection_vat_relief = "none"
        self.assertFalse(default(old))

    def test_write_off_chatter_says_written_off_and_portal_says_paid(self):
        self.company.collection_vat_relief = "write_off"
        invoice = self._taxed_invoice()
        # As in the UI: with tracking (the test classes switch it off), and the write-off in a
        # transaction after the invoice's (Odoo does not track a record in its creating one).
        self.env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=False))
        self.env.flush_all()
        self.env.cr.precommit.run()
        with freeze_time("2026-04-01"):
            form = Form(
                self.env["collection.write.off"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.reason = "Customer bankrupt"
            form.save().action_confirm()
            self.env.flush_all()
            self.env.cr.precommit.run()
        invoice = invoice.with_env(self.env)
        invoice.invalidate_recordset()
        subtypes = invoice.message_ids.subtype_id
        self.assertIn(self.env.ref("account_collection.mt_invoice_written_off"), subtypes)
        self.assertNotIn(self.env.ref("account.mt_invoice_paid"), subtypes)
        message = invoice.message_ids.filtered(
            lambda msg: msg.subtype_id == self.env.ref("account_collection.mt_invoice_written_off")
        )
        self.assertEqual(message.subtype_id.description, "Invoice written off")
        # The customer's portal uses Odoo's own payment state: closed, shown as Paid.
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(invoice.collection_status, "written_off")
        self.assertEqual(self._entry(invoice, "write_off").line_ids.collection_invoice_id, invoice)

    def test_wizards_show_the_journal_items_before_posting(self):
        self.company.collection_vat_relief = "write_off"
        invoice = self._taxed_invoice()
        entries_before = self._collection_entries()
        with freeze_time("2026-03-15"):
            form = Form(
                self.env["collection.doubtful"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.reason = "Customer in difficulty"
            preview = form.entry_preview
        self.assertIn(self.expense.code, preview)
        self.assertIn(self.allowance.code, preview)
        self.assertIn("1,000.00", preview, "VAT excluded")
        self.assertEqual(self._collection_entries(), entries_before, "a preview posts nothing")
        self._mark_doubtful(invoice, "2026-03-15")

        with freeze_time("2026-04-01"):
            form = Form(
                self.env["collection.write.off"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.reason = "Customer bankrupt"
            self.assertTrue(form.vat_relief)
            with_relief = form.entry_preview
            form.vat_relief = False
            without_relief = form.entry_preview
        for code in (self.receivable.code, self.allowance.code, self.vat_account.code):
            self.assertIn(code, with_relief)
        self.assertIn("1,210.00", with_relief)
        self.assertIn("210.00", with_relief)
        self.assertNotIn(self.vat_account.code, without_relief)
        self.assertIn(self.bad_debt.code, without_relief, "the VAT not reclaimed is a loss")

        # The preview is what is posted.
        self._write_off(invoice, "2026-04-01", vat_relief=True)
        entry = self._entry(invoice, "write_off")
        for line in entry.line_ids:
            self.assertIn(line.account_id.code, with_relief)

        payment = self._customer_payment(605.0, "2026-05-01")
        with freeze_time("2026-05-02"):
            form = Form(
                self.env["collection.recovery"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            preview = form.entry_preview
        self.assertIn(self.recovery.code, preview)
        self.assertIn(self.vat_account.code, preview, "half the VAT relief is due again")
        self.assertIn("605.00", preview)
        self.assertIn("105.00", preview)
        self.assertFalse(payment.move_id.line_ids.filtered("reconciled"), "a preview matches nothing")

        # A refusal is shown instead of the items, before the accountant clicks.
        with freeze_time("2026-05-02"):
            form = Form(
                self.env["collection.recovery"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                )
            )
            form.amount = 5000.0
            self.assertIn("at most", form.entry_preview)

    def test_entries_list_shows_the_customer(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        entry = self._entry(invoice, "provision")
        self.assertEqual(entry.collection_customer_ids, self.customer)
        self.assertEqual(entry.collection_invoice_ids, invoice)
        found = self.env["account.move"].search(
            [("collection_entry_type", "!=", False), ("collection_customer_ids", "in", self.customer.ids)]
        )
        self.assertEqual(found, entry)
        action = self.env.ref("account_collection.collection_entry_action")
        arch = self.env["account.move"].get_view(action.view_id.id, "list")["arch"]
        self.assertIn('name="collection_customer_ids"', arch)

    def test_unmatching_a_payment_does_not_restore_a_provision_released_by_hand(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        payment = self._pay(invoice, 605.0, "2026-03-20")
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_provision_amount, 500.0, "half paid, half released")
        with freeze_time("2026-03-25"):
            invoice.with_user(self.accountant).action_collection_undo_doubtful()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_provision_amount, 0.0)
        entries = self._collection_entries()
        with freeze_time("2026-03-26"):
            payment.move_id.line_ids.remove_move_reconcile()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.amount_residual, 1210.0)
        self.assertEqual(invoice.collection_provision_amount, 0.0, "released by hand: not restored")
        self.assertEqual(self._collection_entries(), entries)
        self._assert_balances({self.allowance: 0.0, self.expense: 0.0})


@tagged("post_install", "-at_install")
class TestWrittenOffPortal(CollectionEntriesCommon, HttpCase):
    def test_portal_shows_a_written_off_invoice_as_paid(self):
        """The customer sees Odoo's own payment state: a written-off invoice is closed, Paid."""
        self.company.collection_vat_relief = "write_off"
        portal_user = new_test_user(
            self.env,
            login="collection_portal_customer",
            password="collection_portal_customer",
            groups="base.group_portal",
            partner_id=self.customer.id,
        )
        invoice = self._taxed_invoice()
        TestWriteOff._write_off(self, invoice, "2026-04-01")
        self.assertEqual(invoice.collection_status, "written_off")
        self.authenticate(portal_user.login, portal_user.login)
        response = self.url_open("/my/invoices")
        self.assertEqual(response.status_code, 200)
        row = re.search(rf"{re.escape(invoice.name)}.*?</tr>", response.text, re.S)
        self.assertTrue(row, "the invoice is listed on the portal")
        self.assertIn("Paid", row.group(0))
        self.assertNotIn("Written off", row.group(0))
