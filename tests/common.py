from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CollectionCommon(AccountTestInvoicingCommon):
    """Invoices with chosen due dates, and the three kinds of users of the addon."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.policy_standard = cls.env.ref("account_collection.collection_policy_standard")
        cls.policy_extended = cls.env.ref("account_collection.collection_policy_extended")
        company = cls.env.company
        cls.clerk = new_test_user(
            cls.env,
            login="collection_clerk",
            groups="account_collection.group_collection_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="collection_manager",
            groups="account_collection.group_collection_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.accountant = new_test_user(
            cls.env,
            login="collection_accountant",
            groups="account.group_account_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _invoice(cls, partner, amount, invoice_date, due_date=None, currency=None, post=True, company=None):
        """A posted customer invoice of `amount` (no tax) due on `due_date`, in `company` (default:
        the current one)."""
        company = company or cls.env.company
        invoice = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    # Without payment terms the due date is the one given, not computed.
                    "invoice_payment_term_id": False,
                    "invoice_date_due": due_date or invoice_date,
                    "company_id": company.id,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _pay(cls, invoice, amount, date):
        """Register a customer payment of `amount` on `invoice` (reconciled with it)."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": fields.Date.to_date(date)})
        )
        return wizard._create_payments()
