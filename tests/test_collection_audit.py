import random

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .test_provision import CollectionEntriesCommon


class CollectionAuditCommon(CollectionEntriesCommon):
    """What an auditor checks on the provisions, write-offs and recoveries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.exchange_loss = cls.company.expense_currency_exchange_account_id
        cls.exchange_gain = cls.company.income_currency_exchange_account_id
        cls.sales = cls.company_data["default_journal_sale"].default_account_id

    def _write_off(self, invoices, date, vat_relief=False):
        with freeze_time(date):
            form = Form(
                self.env["collection.write.off"].with_context(
                    active_model="account.move", active_ids=invoices.ids
                )
            )
            form.reason = "Customer bankrupt"
            form.vat_relief = vat_relief
            form.save().action_confirm()
        invoices.invalidate_recordset()

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

    def _receivable_line(self, move):
        return move.line_ids.filtered(lambda line: line.account_id == self.receivable)

    def _credit_note(self, amount, date, partner=None, post=True, move_type="out_refund"):
        """A credit note of `amount` + 21% VAT, its line without product nor account: the account
        is the one Odoo proposes (as for an imported or API-created credit note)."""
        # Odoo caches the proposed account per cursor: a new proposal is computed every time here.
        self.env.cr.cache.pop("most_frequent_accounts_for_partner", None)
        with freeze_time(date):
            refund = self.env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods returned",
                                "price_unit": amount,
                                "tax_ids": [Command.set(self.vat21.ids)],
                            }
                        )
                    ],
                }
            )
        if post:
            refund.action_post()
        return refund


@tagged("post_install", "-at_install")
class TestCollectionAudit(CollectionAuditCommon):
    # --- 1 and 2: a recovery is this customer's payment, at most what it holds -----------------

    def test_recovery_refuses_another_customers_payment(self):
        invoice = self._taxed_invoice()
        self._write_off(invoice, "2026-04-01")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.other_customer.id,
                "amount": 300.0,
                "date": "2026-05-02",
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        others_credit = self._receivable_line(payment.move_id)
        with self.assertRaisesRegex(UserError, "cannot pay"):
            invoice._collection_recover(fields.Date.to_date("2026-05-03"), 300.0, others_credit)
        self.assertFalse(others_credit.reconciled, "the other customer's payment stays his")
        self.assertEqual(others_credit.amount_residual, -300.0)
        self._assert_balances({self.recovery: 0.0, self.receivable: 0.0, self.bad_debt: 1210.0})
        self.assertEqual(invoice.collection_recovered_amount, 0.0)
        # The screen only offers the customer's own credits.
        self._customer_payment(100.0, "2026-05-02")
        with freeze_time("2026-05-03"):
            wizard = (
                self.env["collection.recovery"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({})
            )
        self.assertNotIn(others_credit, wizard.allowed_credit_line_ids)
        self.assertNotIn(others_credit, wizard.credit_line_ids)

    def test_recovery_at_most_what_the_payment_holds(self):
        invoice = self._taxed_invoice()
        self._write_off(invoice, "2026-04-01")
        self._customer_payment(100.0, "2026-05-02")
        with self.assertRaisesRegex(UserError, "more than the payments chosen still hold"):
            self._recover(invoice, "2026-05-03", amount=1000.0)
        self._assert_balances({self.recovery: 0.0, self.receivable: -100.0})
        self.assertEqual(invoice.collection_status, "written_off")
        # What the payment holds is accepted, and leaves nothing open on the customer.
        self._recover(invoice, "2026-05-03", amount=100.0)
        self._assert_balances({self.recovery: -100.0, self.receivable: 0.0, self.bad_debt: 1210.0})
        self.assertEqual(invoice.collection_recovered_amount, 100.0)

    # --- 3 and 6: VAT relief reverses what was declared -----------------------------------------

    def test_foreign_currency_vat_relief_at_declared_value(self):
        # 1000 EUR + 210 EUR VAT invoiced at 2 EUR per USD: 105 USD of VAT declared.
        invoice = self._taxed_invoice(currency=self.eur)
        self._assert_balances({self.vat_account: -105.0})
        # Written off at 2.5: the relief gives back the 105 USD declared, not 84.
        self._write_off(invoice, "2026-04-01", vat_relief=True)
        entry = invoice.collection_entry_ids
        vat_line = entry.line_ids.filtered(lambda line: line.account_id == self.vat_account)
        self.assertEqual(vat_line.amount_currency, 210.0)
        self.assertEqual(vat_line.debit, 105.0)
        self._assert_balances(
            {
                self.vat_account: 0.0,
                self.receivable: 0.0,
                # The loss is the net amount at the write-off date; the rate change goes to exchange.
                self.bad_debt: 400.0,
            }
        )
        self._assert_balances({self.receivable: 0.0, self.bad_debt: 1000.0}, currency=True)
        exchange = self._receivable_line(invoice).matched_credit_ids.exchange_move_id
        loss = exchange.line_ids.filtered(lambda line: line.account_id == self.exchange_loss)
        self.assertAlmostEqual(sum(loss.mapped("balance")), 100.0, 2)

        # Half recovered at 2.5: the VAT due again is half of what was declared (52.50 USD).
        self._customer_payment(605.0, "2026-05-02", currency=self.eur)
        self._recover(invoice, "2026-05-03")
        recovery = invoice.collection_entry_ids.filtered(
            lambda move: move.collection_entry_type == "recovery"
        )
        vat_again = recovery.line_ids.filtered(lambda line: line.account_id == self.vat_account)
        self.assertEqual(vat_again.credit, 52.5)
        self._assert_balances({self.vat_account: -52.5, self.recovery: -200.0, self.receivable: 0.0})
        self._assert_balances({self.receivable: 0.0}, currency=True)

    def test_vat_relief_base_has_a_credit_notes_sign(self):
        invoice = self._taxed_invoice()
        self._write_off(invoice, "2026-04-01", vat_relief=True)
        relief = invoice.collection_entry_ids.line_ids.filtered(
            lambda line: line.collection_role == "vat_relief"
        )
        refund = self._credit_note(1000.0, "2026-04-01")
        refund_vat = refund.line_ids.filtered(lambda line: line.display_type == "tax")
        self.assertEqual(relief.tax_base_amount, refund_vat.tax_base_amount)
        self.assertEqual(relief.tax_base_amount, 1000.0)
        # VAT due again on a recovery has the invoice's sign.
        self._customer_payment(1210.0, "2026-05-02")
        self._recover(invoice, "2026-05-03")
        again = invoice.collection_entry_ids.line_ids.filtered(
            lambda line: line.collection_role == "vat_recovered"
        )
        invoice_vat = invoice.line_ids.filtered(lambda line: line.display_type == "tax")
        self.assertEqual(again.tax_base_amount, invoice_vat.tax_base_amount)

    # --- 4: nothing dated before what it is about ------------------------------------------------

    def test_dates_before_the_invoice_provision_or_payment_refused(self):
        invoice = self._taxed_invoice(invoice_date="2026-01-10")
        with self.assertRaisesRegex(UserError, "before the invoice date"):
            self._mark_doubtful(invoice, "2026-01-05")
        with self.assertRaisesRegex(UserError, "before the invoice date"):
            invoice._collection_write_off(fields.Date.to_date("2026-01-05"), "x")
        self._mark_doubtful(invoice, "2026-03-15")
        with self.assertRaisesRegex(UserError, "before its last provision"):
            invoice._collection_write_off(fields.Date.to_date("2026-03-10"), "x")
        self._pay(invoice, 121.0, "2026-03-25")
        with self.assertRaisesRegex(UserError, "before its last payment"):
            invoice._collection_write_off(fields.Date.to_date("2026-03-20"), "x")
        self.assertFalse(
            invoice.collection_entry_ids.filtered(lambda move: move.collection_entry_type == "write_off")
        )
        self._assert_balances({self.receivable: 1089.0, self.allowance: -900.0, self.bad_debt: 0.0})
        # A recovery is not dated before the write-off.
        self._write_off(invoice, "2026-04-01")
        self._customer_payment(100.0, "2026-03-28")
        with self.assertRaisesRegex(UserError, "before the write-off"):
            self._recover(invoice, "2026-03-30")
        self._assert_balances({self.recovery: 0.0})

    # --- 5: the addon's entries do not steer Odoo's account proposals ---------------------------

    def test_credit_notes_and_invoices_keep_their_accounts(self):
        income = self._taxed_invoice().invoice_line_ids.account_id
        self.assertEqual(income, self.sales)
        doubtful = self._taxed_invoice()
        self._mark_doubtful(doubtful, "2026-03-15")
        refund = self._credit_note(300.0, "2026-03-16")
        self.assertEqual(
            refund.invoice_line_ids.account_id, income, "a credit note is a sale, not an expense"
        )
        written_off = self._taxed_invoice()
        self._write_off(written_off, "2026-04-01")
        self.assertEqual(self._credit_note(300.0, "2026-04-02").invoice_line_ids.account_id, income)
        self._customer_payment(1210.0, "2026-05-02")
        self._recover(written_off, "2026-05-03")
        self.assertEqual(self._credit_note(300.0, "2026-05-04").invoice_line_ids.account_id, income)
        # Nor does a new invoice go to recovered income.
        new_invoice = self._credit_note(100.0, "2026-05-04", move_type="out_invoice")
        self.assertEqual(new_invoice.invoice_line_ids.account_id, income)
        self._assert_balances({self.expense: 1000.0, self.bad_debt: 1210.0, self.recovery: -1210.0})

    # --- 7: the allowance follows what is due -----------------------------------------------------

    def test_unreconciled_payment_restores_the_provision(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        payment = self._pay(invoice, 605.0, "2026-03-20")
        self._assert_balances({self.allowance: -500.0, self.receivable: 605.0})
        with freeze_time("2026-03-22"):
            self._receivable_line(payment.move_id).remove_move_reconcile()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.amount_residual, 1210.0)
        self._assert_balances({self.allowance: -1000.0, self.expense: 1000.0})
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
        self.assertEqual(invoice.collection_status, "doubtful")
        # Fully paid, then unmatched: the provision comes back from nothing too.
        payment = self._pay(invoice, 1210.0, "2026-03-25")
        self._assert_balances({self.allowance: 0.0})
        self._receivable_line(payment.move_id).remove_move_reconcile()
        invoice.invalidate_recordset()
        self._assert_balances({self.allowance: -1000.0, self.expense: 1000.0})
        self.assertEqual(invoice.collection_status, "doubtful")
        # A payment cancelled gives its provision back too (reset to draft keeps the matching).
        payment = self._pay(invoice, 605.0, "2026-03-26")
        self._assert_balances({self.allowance: -500.0})
        payment.action_draft()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.amount_residual, 605.0, "Odoo 19 keeps the matching of a draft payment")
        self._assert_balances({self.allowance: -500.0})
        payment.action_cancel()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.amount_residual, 1210.0)
        # The two payments unmatched above wait as open credits: 1210 - 605 - 1210.
        self._assert_balances({self.allowance: -1000.0, self.expense: 1000.0, self.receivable: -605.0})

    def test_reversing_a_partly_released_provision_refused(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        provision = invoice.collection_entry_ids
        self._pay(invoice, 605.0, "2026-03-20")
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=provision.ids)
            .create({"journal_id": provision.journal_id.id, "date": "2026-03-31"})
        )
        with self.assertRaisesRegex(UserError, "Undo Doubtful"):
            wizard.reverse_moves()
        invoice.invalidate_recordset()
        self._assert_balances({self.allowance: -500.0, self.expense: 500.0})
        self.assertEqual(invoice.collection_provision_amount, 500.0)

    def test_reset_to_draft_refused(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        with self.assertRaisesRegex(UserError, "Undo Doubtful"):
            invoice.button_draft()
        with self.assertRaisesRegex(UserError, "reverse them"):
            invoice.collection_entry_ids.button_draft()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.collection_entry_ids.state, "posted")
        self._assert_balances({self.allowance: -1000.0, self.receivable: 1210.0})
        # Once undone, the invoice can be reset to draft as usual.
        with freeze_time("2026-03-31"):
            invoice.action_collection_undo_doubtful()
        invoice.invalidate_recordset()
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")
        self._assert_balances({self.allowance: 0.0})

    def test_allowance_invariant_over_a_random_sequence(self):
        """Payments, credit notes and unmatchings in a seeded random order: after every step the
        allowance equals what the open provided invoices carry, each at its rate."""
        rng = random.Random(16)
        self.company.collection_provision_include_vat = False
        invoices = self._taxed_invoice(1000.0) | self._taxed_invoice(700.0) | self._taxed_invoice(450.0)
        for invoice, percentage in zip(invoices, (100.0, 50.0, 30.0), strict=True):
            self._mark_doubtful(invoice, "2026-03-15", mode="percentage", percentage=percentage)
        # And one under a general provision of the matrix (33 days late: 10%).
        general = self._taxed_invoice(800.0)
        with freeze_time("2026-03-15"):
            self.env["collection.provision.matrix"].create({}).action_post()
        invoices |= general
        self.assertEqual(general.collection_status, "provisioned")
        self.assertEqual(general.collection_provision_amount, 80.0)
        self.assertEqual(invoices[:3].mapped("collection_provision_amount"), [1000.0, 350.0, 135.0])
        matched = []  # receivable lines of payments and credit notes matched with the invoices

        def check(step):
            invoices.invalidate_recordset()
            provided = invoices.filtered(lambda inv: inv.collection_status in ("doubtful", "provisioned"))
            self.assertAlmostEqual(
                -self._balance(self.allowance),
                sum(provided.mapped("collection_provision_amount")),
                2,
                f"step {step}: allowance",
            )
            for invoice in invoices:
                expected = (
                    invoice.amount_residual
                    * invoice._collection_untaxed_share()
                    * invoice.collection_provision_rate
                )
                self.assertAlmostEqual(
                    invoice.collection_provision_amount,
                    expected,
                    delta=0.006,
                    msg=f"step {step}: {invoice.name}",
                )

        check("start")
        done = {"pay": 0, "credit_note": 0, "unmatch": 0}
        for step in range(30):
            action = rng.choice(["pay", "credit_note", "unmatch"])
            open_invoices = invoices.filtered(lambda inv: not inv.currency_id.is_zero(inv.amount_residual))
            if action in ("pay", "credit_note") and open_invoices:
                invoice = rng.choice(open_invoices)
                amount = round(rng.uniform(1.0, invoice.amount_residual), 2)
                if action == "pay":
                    payment = self._pay(invoice, amount, "2026-03-20")
                    matched.append(self._receivable_line(payment.move_id))
                else:
                    refund = self._credit_note(round(amount / 1.21, 2), "2026-03-20")
                    line = self._receivable_line(refund)
                    (line + self._receivable_line(invoice).filtered(lambda ln: not ln.reconciled)).reconcile()
                    matched.append(line)
            elif matched:
                action = "unmatch"
                line = matched.pop(rng.randrange(len(matched)))
                line.remove_move_reconcile()
            else:
                continue
            done[action] += 1
            check(f"{step} {action}")
        # The seed explores every kind of step, several times.
        self.assertGreaterEqual(min(done.values()), 4, done)


@tagged("post_install", "-at_install")
class TestCollectionLocks(CollectionAuditCommon):
    # --- 9: a write-off or recovery is a sale's receivable -----------------------------------------

    def test_write_off_and_recovery_respect_the_sales_lock_date(self):
        invoice = self._taxed_invoice()
        self.company.sale_lock_date = "2026-04-30"
        with self.assertRaisesRegex(UserError, "Sales Lock Date|Sale"):
            self._write_off(invoice, "2026-04-15", vat_relief=True)
        with self.assertRaisesRegex(UserError, "Sales Lock Date|Sale"):
            self._write_off(invoice, "2026-04-15")
        self._assert_balances({self.receivable: 1210.0, self.vat_account: -210.0, self.bad_debt: 0.0})
        # A provision is not a sale's receivable: only the global and hard lock dates apply.
        self._mark_doubtful(invoice, "2026-04-15")
        self._assert_balances({self.allowance: -1000.0})
        self._write_off(invoice, "2026-05-02", vat_relief=True)
        self._customer_payment(605.0, "2026-05-03")
        self.company.sale_lock_date = "2026-05-31"
        with self.assertRaisesRegex(UserError, "Sales Lock Date|Sale"):
            self._recover(invoice, "2026-05-04")
        self._assert_balances({self.recovery: 0.0, self.vat_account: 0.0, self.receivable: -605.0})


@tagged("post_install", "-at_install")
class TestCollectionFlags(CollectionAuditCommon):
    """Issue 10, point 3: only the addon's own methods set its accounting flags."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(
            cls.env,
            login="collection_billing",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_billing_user_cannot_set_the_flags(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        as_billing = invoice.with_user(self.billing)
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            as_billing.write({"collection_provision_rate": 1e9})
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            as_billing.write({"collection_entry_type": "write_off"})
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            as_billing.write({"collection_provision_kind": False})
        line = self._receivable_line(invoice).with_user(self.billing)
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            line.write({"collection_invoice_id": invoice.id, "collection_role": "write_off"})
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            self.env["account.move"].with_user(self.billing).create(
                {
                    "move_type": "entry",
                    "journal_id": self.company.collection_journal_id.id,
                    "date": "2026-03-16",
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": self.receivable.id,
                                "partner_id": self.customer.id,
                                "balance": -1210.0,
                                "collection_invoice_id": invoice.id,
                                "collection_role": "write_off",
                            }
                        ),
                        Command.create({"account_id": self.bad_debt.id, "balance": 1210.0}),
                    ],
                }
            )
        # A client cannot send the addon's context key either.
        with self.assertRaisesRegex(AccessError, "set by the collection actions only"):
            as_billing.with_context(collection_entry_write=True).write({"collection_provision_rate": 1e9})
        invoice.invalidate_recordset()
        self.assertEqual(invoice.collection_status, "doubtful")
        self.assertEqual(invoice.collection_provision_rate, 1.0)

        # A duplicated provision entry is a plain entry: it counts against no invoice.
        provision = invoice.collection_entry_ids
        duplicate = provision.copy({"date": "2026-03-16"})
        self.assertFalse(duplicate.line_ids.collection_invoice_id)
        self.assertFalse(duplicate.collection_entry_type)

        # The billing user's payment still releases the provision at its rate, nothing more.
        self.env["account.payment.register"].with_user(self.billing).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": 10.0, "payment_date": "2026-03-20"})._create_payments()
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.collection_provision_amount, 1000.0 * 1200.0 / 1210.0, 2)
        self._assert_balances({self.receivable: 1200.0})
        self.assertAlmostEqual(self._balance(self.allowance), -round(1000.0 * 1200.0 / 1210.0, 2), 2)

        # Odoo's reversal keeps the flags of the entry it reverses (the invoice counts it).
        release = invoice.collection_entry_ids.filtered(lambda move: move.collection_entry_type == "release")
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.billing)
            .with_context(active_model="account.move", active_ids=release.ids)
            .create({"journal_id": release.journal_id.id, "date": "2026-03-31"})
        )
        reversal.reverse_moves()
        invoice.invalidate_recordset()
        self.assertEqual(release.reversal_move_ids.collection_entry_type, "provision")
        self.assertEqual(release.reversal_move_ids.line_ids.collection_invoice_id, invoice)
        self._assert_balances({self.allowance: -1000.0, self.expense: 1000.0})
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
