from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import CollectionCommon


class CollectionEntriesCommon(CollectionCommon):
    """A 21% output VAT with tags, the collection accounts of the chart defaults, a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_vat_relief = "write_off"
        cls.customer = cls.env["res.partner"].create({"name": "Doubtful Customer", "email": "d@example.com"})
        cls.vat_account = cls.company_data["default_account_tax_sale"]
        country = cls.company.account_fiscal_country_id
        cls.tag_invoice, cls.tag_refund = cls.env["account.account.tag"].create(
            [
                {"name": "Output VAT", "applicability": "taxes", "country_id": country.id},
                {"name": "Output VAT corrections", "applicability": "taxes", "country_id": country.id},
            ]
        )
        cls.vat21 = cls.env["account.tax"].create(
            {
                "name": "VAT 21%",
                "amount": 21.0,
                "type_tax_use": "sale",
                "invoice_repartition_line_ids": [
                    Command.create({"repartition_type": "base"}),
                    Command.create(
                        {
                            "repartition_type": "tax",
                            "account_id": cls.vat_account.id,
                            "tag_ids": [Command.set(cls.tag_invoice.ids)],
                        }
                    ),
                ],
                "refund_repartition_line_ids": [
                    Command.create({"repartition_type": "base"}),
                    Command.create(
                        {
                            "repartition_type": "tax",
                            "account_id": cls.vat_account.id,
                            "tag_ids": [Command.set(cls.tag_refund.ids)],
                        }
                    ),
                ],
            }
        )
        cls.receivable = cls.company_data["default_account_receivable"]
        cls.expense = cls.company.collection_doubtful_expense_account_id
        cls.allowance = cls.company.collection_allowance_account_id
        cls.bad_debt = cls.company.collection_bad_debt_account_id
        cls.recovery = cls.company.collection_recovery_account_id
        # Accounting administrators lack "Show Full Accounting Features" in Community: allowed too.
        cls.account_admin = new_test_user(
            cls.env,
            login="collection_account_admin",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.eur = cls.setup_other_currency("EUR", rates=[("2025-01-01", 2.0), ("2026-03-01", 2.5)])

    @classmethod
    def _taxed_invoice(cls, amount=1000.0, invoice_date="2026-01-10", due_date="2026-02-10", currency=None):
        """A posted invoice of `amount` plus 21% VAT."""
        invoice = cls._invoice(cls.customer, amount, invoice_date, due_date, currency=currency, post=False)
        invoice.invoice_line_ids.tax_ids = cls.vat21
        invoice.action_post()
        return invoice

    def _balance(self, account, currency=False):
        """Posted balance of `account` for the test customer (in currency when asked).

        The addon's income and expense lines carry no partner (see _collection_line_vals): they
        count through the invoice they are about.
        """
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", account.id),
                "|",
                ("partner_id", "=", self.customer.id),
                ("collection_invoice_id.commercial_partner_id", "=", self.customer.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("amount_currency" if currency else "balance"))

    def _assert_balances(self, expected, currency=False):
        for account, amount in expected.items():
            self.assertAlmostEqual(
                self._balance(account, currency), amount, 2, f"balance of {account.display_name}"
            )

    def _mark_doubtful(self, invoices, date, mode="residual", percentage=100.0, user=None):
        env = self.env(user=user) if user else self.env
        with freeze_time(date):
            form = Form(
                env["collection.doubtful"].with_context(active_model="account.move", active_ids=invoices.ids)
            )
            form.amount_mode = mode
            if mode == "percentage":
                form.percentage = percentage
            form.reason = "Customer in difficulty"
            form.save().action_confirm()
        invoices.invalidate_recordset()

    def _customer_payment(self, amount, date, currency=None):
        """A customer payment not matched to any invoice (an outstanding credit)."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": amount,
                "date": date,
                "currency_id": (currency or self.company.currency_id).id,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _collection_entries(self):
        return self.env["account.move"].search([("collection_entry_type", "!=", False)])


@tagged("post_install", "-at_install")
class TestProvision(CollectionEntriesCommon):
    def test_chart_defaults(self):
        """Loading the generic chart gives the company a journal and four dedicated accounts."""
        self.assertEqual(self.company.collection_journal_id.type, "general")
        self.assertEqual(self.allowance.account_type, "asset_current")
        self.assertFalse(self.allowance.reconcile)
        self.assertEqual(self.expense.account_type, "expense")
        self.assertEqual(self.bad_debt.account_type, "expense")
        self.assertEqual(self.recovery.account_type, "income_other")
        self.assertEqual(len(self.allowance | self.expense | self.bad_debt | self.recovery), 4)
        # Running the setup again keeps what is configured (no duplicates).
        accounts = self.env["account.account"].search_count([])
        self.env["account.chart.template"]._collection_setup_company(self.company)
        self.assertEqual(self.env["account.account"].search_count([]), accounts)
        self.assertEqual(self.company.collection_allowance_account_id, self.allowance)

    def test_provision_then_partial_and_full_payment(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        provision = invoice.collection_entry_ids
        self.assertEqual(provision.collection_entry_type, "provision")
        self.assertEqual(provision.state, "posted")
        self.assertEqual(provision.date, fields.Date.to_date("2026-03-15"))
        # Excluding VAT by default: 1000 of the 1210 due.
        self._assert_balances({self.expense: 1000.0, self.allowance: -1000.0, self.receivable: 1210.0})
        self.assertEqual(invoice.collection_status, "doubtful")
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
        self.assertEqual(invoice.amount_residual, 1210.0)
        self.assertEqual(invoice.payment_state, "not_paid")

        # Half paid: half of the provision is released, by a reversal linked to the provision.
        self._pay(invoice, 605.0, "2026-03-20")
        self._assert_balances({self.expense: 500.0, self.allowance: -500.0, self.receivable: 605.0})
        release = invoice.collection_entry_ids - provision
        self.assertEqual(release.collection_entry_type, "release")
        self.assertEqual(release.reversed_entry_id, provision)
        self.assertEqual(release.date, fields.Date.to_date("2026-03-20"))
        self.assertEqual(invoice.amount_residual, 605.0)
        self.assertEqual(invoice.collection_provision_amount, 500.0)
        self.assertEqual(invoice.collection_status, "doubtful")

        # Paid in full: the rest is released.
        self._pay(invoice, 605.0, "2026-03-25")
        self._assert_balances({self.expense: 0.0, self.allowance: 0.0, self.receivable: 0.0})
        self.assertEqual(len(invoice.collection_entry_ids), 3)
        self.assertTrue(
            all(move.reversed_entry_id == provision for move in invoice.collection_entry_ids - provision)
        )
        self.assertFalse(invoice.collection_status)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_percentage_provision_with_vat_and_undo(self):
        self.company.collection_provision_include_vat = True
        invoices = self._taxed_invoice() | self._taxed_invoice(500.0)
        self._mark_doubtful(invoices, "2026-03-15", mode="percentage", percentage=50.0)
        self.assertEqual(len(invoices.collection_entry_ids), 2, "one provision entry per invoice")
        self.assertEqual(invoices.mapped("collection_provision_amount"), [605.0, 302.5])
        self._assert_balances({self.expense: 907.5, self.allowance: -907.5})
        # Nothing the customer sees changed.
        self.assertEqual(invoices.mapped("amount_residual"), [1210.0, 605.0])
        self.assertEqual(invoices.mapped("payment_state"), ["not_paid", "not_paid"])

        with freeze_time("2026-03-31"):
            invoices[0].with_user(self.accountant).action_collection_undo_doubtful()
        invoices.invalidate_recordset()
        self._assert_balances({self.expense: 302.5, self.allowance: -302.5})
        self.assertFalse(invoices[0].collection_status)
        self.assertEqual(invoices[1].collection_status, "doubtful")
        release = invoices[0].collection_entry_ids.filtered(
            lambda move: move.collection_entry_type == "release"
        )
        self.assertEqual(release.date, fields.Date.to_date("2026-03-31"))
        self.assertEqual(release.reversed_entry_id.collection_entry_type, "provision")

    def test_undo_provision_by_odoo_reversal(self):
        invoice = self._taxed_invoice()
        self._mark_doubtful(invoice, "2026-03-15")
        provision = invoice.collection_entry_ids
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=provision.ids)
            .create({"journal_id": provision.journal_id.id, "date": "2026-03-31"})
        )
        reversal.reverse_moves()
        invoice.invalidate_recordset()
        self._assert_balances({self.expense: 0.0, self.allowance: 0.0})
        self.assertFalse(invoice.collection_status)
        self.assertEqual(provision.reversal_move_ids.collection_entry_type, "release")

    def test_provision_matrix(self):
        with freeze_time("2026-06-30"):
            current = self._invoice(self.customer, 1000.0, "2026-06-01", "2026-07-31")
            late_45 = self._invoice(self.customer, 1000.0, "2026-04-16", "2026-05-16")
            late_200 = self._invoice(self.customer, 1000.0, "2025-11-12", "2025-12-12")
            late_10 = self._invoice(self.customer, 1000.0, "2026-05-20", "2026-06-20")
        self._mark_doubtful(late_10, "2026-06-25")
        self._assert_balances({self.expense: 1000.0, self.allowance: -1000.0})
        entries_before = self._collection_entries()

        with freeze_time("2026-06-30"):
            form = Form(self.env["collection.provision.matrix"].with_user(self.accountant))
            matrix = form.save()
            matrix.action_preview()
            lines = {line.move_id: line for line in matrix.line_ids}
            self.assertEqual(lines[late_45].days_late, 45)
            self.assertEqual(lines[late_45].target, 100.0)
            self.assertEqual(lines[late_200].target, 1000.0)
            self.assertEqual(lines[current].target, 10.0)
            # A specific provision (marked doubtful) is the accountant's judgement: not the matrix's.
            self.assertNotIn(late_10, lines)
            self.assertAlmostEqual(matrix.total_difference, 100.0 + 1000.0 + 10.0)
            matrix.action_post()
        entry = self._collection_entries() - entries_before
        self.assertEqual(len(entry), 1, "top-ups in one entry")
        self.assertEqual(entry.state, "posted")
        self._assert_balances({self.expense: 2110.0, self.allowance: -2110.0})
        invoices = current | late_45 | late_200 | late_10
        invoices.invalidate_recordset()
        self.assertEqual(invoices.mapped("collection_provision_amount"), [10.0, 100.0, 1000.0, 1000.0])
        # A portfolio provision is no doubtful mark: the Doubtful filter lists the marked one only.
        self.assertEqual(
            invoices.mapped("collection_status"), ["provisioned", "provisioned", "provisioned", "doubtful"]
        )
        doubtful = self.env["account.move"].search(
            [("collection_status", "=", "doubtful"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(doubtful, late_10)

        # Run again: already at target.
        with freeze_time("2026-06-30"), self.assertRaises(UserError):
            self.env["collection.provision.matrix"].create({}).action_post()

        # A payment of the 45-days invoice releases its matrix provision, linked to the matrix entry.
        self._pay(late_45, 1000.0, "2026-07-02")
        self._assert_balances({self.expense: 2010.0, self.allowance: -2010.0})
        self.assertFalse(late_45.collection_status)
        release = late_45.collection_entry_ids.filtered(lambda move: move.collection_entry_type == "release")
        self.assertEqual(release.reversed_entry_id, entry)

    def test_foreign_currency_provision(self):
        # 1000 EUR + VAT invoiced at 2 EUR per USD, provisioned and paid at 2.5.
        invoice = self._taxed_invoice(currency=self.eur)
        self.assertEqual(invoice.amount_residual_signed, 605.0)
        self._mark_doubtful(invoice, "2026-03-15")
        self._assert_balances({self.expense: 1000.0, self.allowance: -1000.0}, currency=True)
        self._assert_balances({self.expense: 400.0, self.allowance: -400.0})
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
        self._pay(invoice, 605.0, "2026-03-20")
        self._assert_balances({self.allowance: -500.0}, currency=True)
        self._assert_balances({self.expense: 200.0, self.allowance: -200.0})
        self._pay(invoice, 605.0, "2026-03-25")
        # Released at what was provisioned: the allowance is empty in both currencies.
        self._assert_balances({self.expense: 0.0, self.allowance: 0.0}, currency=True)
        self._assert_balances({self.expense: 0.0, self.allowance: 0.0})

    def test_refusals(self):
        invoice = self._taxed_invoice()
        draft = self._invoice(self.customer, 100.0, "2026-01-10", post=False)
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-10",
                "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": 100.0, "tax_ids": []})],
            }
        )
        bill.action_post()
        paid = self._invoice(self.customer, 100.0, "2026-01-10")
        self._pay(paid, 100.0, "2026-01-20")
        cases = [
            (draft, "draft or cancelled"),
            (bill, "not a customer invoice"),
            (paid, "fully paid"),
        ]
        for moves, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(UserError, message):
                self._mark_doubtful(moves, "2026-03-15")

        # A date inside a lock date: says which one.
        self.company.fiscalyear_lock_date = "2026-03-31"
        with self.assertRaisesRegex(UserError, "Global Lock Date|Lock Date"):
            self._mark_doubtful(invoice, "2026-03-15")
        self.company.fiscalyear_lock_date = False

        # A missing setting: says which one.
        allowance = self.company.collection_allowance_account_id
        self.company.collection_allowance_account_id = False
        with self.assertRaisesRegex(UserError, "Allowance for doubtful receivables"):
            self._mark_doubtful(invoice, "2026-03-15")
        self.company.collection_allowance_account_id = allowance

        # A collections clerk is no accountant.
        with self.assertRaises(AccessError):
            self._mark_doubtful(invoice, "2026-03-15", user=self.clerk)
        with self.assertRaises(AccessError):
            invoice.with_user(self.clerk)._collection_mark_doubtful(
                fields.Date.to_date("2026-03-15"), 100, "x"
            )

        self.assertFalse(self._collection_entries(), "nothing was posted")
        self._assert_balances({self.expense: 0.0, self.allowance: 0.0})

        # An accountant can; a second full provision is refused as already covered.
        self._mark_doubtful(invoice, "2026-03-15", user=self.accountant)
        self.assertEqual(invoice.collection_provision_amount, 1000.0)
        with self.assertRaisesRegex(UserError, "already has a provision"):
            self._mark_doubtful(invoice, "2026-03-16")
