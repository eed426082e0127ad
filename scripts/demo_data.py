# Demo records of account_collection, run inside `odoo-bin shell` by scripts/demo.
# `env` is given by the shell. Dates are relative to today so that the demo always shows
# invoices due soon, just overdue and long overdue.
# ruff: noqa: F821
import os
from datetime import timedelta

from odoo import Command, fields

today = fields.Date.context_today(env["res.users"])
company = env.company
assert company.chart_template == "nl" and company.currency_id.name == "EUR", (
    f"the demo company should have the Dutch chart in EUR, not {company.chart_template} in {company.currency_id.name}"
)
env.ref("base.user_admin").write({"password": "admin"})
# scripts/demo serves the report styles there while the PDFs are rendered (wkhtmltopdf fetches them).
if os.environ.get("DEMO_URL"):
    env["ir.config_parameter"].set_param("web.base.url", os.environ["DEMO_URL"])
    env["ir.config_parameter"].set_param("report.url", os.environ["DEMO_URL"])
company.write(
    {
        "name": "Demo Collections BV",
        "street": "Keizersgracht 1",
        "zip": "1015 CJ",
        "city": "Amsterdam",
        "country_id": env.ref("base.nl").id,
        "email": "accounts@demo-collections.example",
        "phone": "+31 20 123 4567",
        "vat": "NL000099998B57",
        # The SEPA QR code on invoices and letters (account_qr_code_sepa).
        "qr_code": True,
    }
)
# The company's IBAN, trusted (by the admin: Odoo never lets OdooBot trust an account) and on
# its bank journal: Odoo puts it on the invoices and their QR code, the reminders print it.
iban = company.partner_id.bank_ids[:1] or env["res.partner.bank"].with_user(
    env.ref("base.user_admin")
).create({"partner_id": company.partner_id.id, "acc_number": "NL91ABNA0417164300", "allow_out_payment": True})
assert iban.allow_out_payment, "the demo's IBAN must be trusted for payments"
env["account.journal"].search(
    [("company_id", "=", company.id), ("type", "=", "bank"), ("bank_account_id", "=", False)], limit=1
).bank_account_id = iban

# Languages (scripts/demo loads nl, de and fr with their translations) and currencies.
eur = company.currency_id
usd = env.ref("base.USD")
gbp = env.ref("base.GBP")
(usd | gbp).active = True
for currency, rate in ((usd, 1.08), (gbp, 0.85)):
    env["res.currency.rate"].create(
        {"currency_id": currency.id, "rate": rate, "name": today - timedelta(days=200)}
    )

customers = env["res.partner"].create(
    [
        {
            "name": "Bakkerij de Vries",
            "lang": "nl_NL",
            "email": "info@devries.example",
            "phone": "+31 6 1234 5678",
            "street": "Dorpsstraat 12",
            "zip": "3500 AA",
            "city": "Utrecht",
            "country_id": env.ref("base.nl").id,
            "is_company": True,
        },
        {
            "name": "Müller Maschinenbau GmbH",
            "lang": "de_DE",
            "email": "buchhaltung@mueller.example",
            "street": "Hauptstraße 5",
            "zip": "80331",
            "city": "München",
            "country_id": env.ref("base.de").id,
            "is_company": True,
        },
        {
            "name": "Atelier Dubois SARL",
            "lang": "fr_FR",
            "email": "compta@dubois.example",
            "street": "12 rue de la Paix",
            "zip": "75002",
            "city": "Paris",
            "country_id": env.ref("base.fr").id,
            "is_company": True,
        },
        {
            "name": "Riverside Trading Ltd",
            "lang": "en_US",
            "email": "ap@riverside.example",
            "street": "1 High Street",
            "zip": "SW1A 1AA",
            "city": "London",
            "country_id": env.ref("base.uk").id,
            "is_company": True,
        },
        {
            "name": "Jansen Installatietechniek BV",
            "lang": "nl_NL",
            "email": "administratie@jansen.example",
            "street": "Industrieweg 8",
            "zip": "5600 AB",
            "city": "Eindhoven",
            "country_id": env.ref("base.nl").id,
            "is_company": True,
        },
        {
            "name": "Smith & Sons (no email)",
            "lang": "en_US",
            "street": "4 Mill Lane",
            "zip": "10001",
            "city": "New York",
            "country_id": env.ref("base.us").id,
            "is_company": True,
        },
    ]
)
de_vries, mueller, dubois, riverside, jansen, smith = customers
dutch_vat = company.account_sale_tax_id  # 21% btw


def invoice(partner, amount, days_ago, due_in, currency=eur):
    """An invoice dated `days_ago` days ago and due `due_in` days after its date.

    Dutch customers pay 21% VAT; the others are invoiced without VAT (intra-EU and export).
    """
    date = today - timedelta(days=days_ago)
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": date,
            "invoice_payment_term_id": False,
            "invoice_date_due": date + timedelta(days=due_in),
            "currency_id": currency.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Consulting services",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.set(dutch_vat.ids if partner.country_id.code == "NL" else [])],
                    }
                )
            ],
        }
    )
    move.action_post()
    return move


def pay(move, amount, days_ago):
    env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
        {"amount": amount, "payment_date": today - timedelta(days=days_ago)}
    )._create_payments()


invoice(de_vries, 1250.00, 10, 30)  # due in 20 days
invoice(de_vries, 860.40, 35, 30)  # just overdue (5 days)
mueller_late = invoice(mueller, 4200.00, 75, 30)  # 45 days late
pay(invoice(mueller, 2000.00, 50, 14), 800.00, 5)  # partly paid, 36 days late
long_overdue = invoice(dubois, 980.00, 160, 30)  # long overdue (130 days)
invoice(riverside, 3100.00, 40, 30, currency=gbp)  # in GBP, 10 days late
invoice(riverside, 1500.00, 5, 30, currency=gbp)  # not yet due
invoice(smith, 640.00, 48, 30, currency=usd)  # in USD, 18 days late, customer without email
riverside.with_company(company).collection_policy_id = env.ref(
    "account_collection.collection_policy_extended"
)

# The accountant's part: a doubtful debt, and a write-off with VAT relief under the Dutch rule
# (allowed one year after the due date: the chart sets it) on an invoice with 21% VAT.
admin = env.ref("base.user_admin")
assert company.collection_vat_relief == "delay" and company.collection_vat_relief_months == 12
long_overdue.with_user(admin)._collection_mark_doubtful(today, 100.0, "No answer to the final notice")
ceased = invoice(jansen, 720.00, 430, 30)  # 400 days late, 720.00 + 151.20 VAT
env.cr.commit()  # as in the UI, where the write-off comes later: its chatter tracks it
ceased.with_user(admin)._collection_write_off(today, "Customer ceased trading", vat_relief=True)
assert ceased.collection_vat_relief_amount == 151.20, ceased.collection_vat_relief_amount

# The collections clerk's part: a promise, a dispute, a pause, then the autopilot's first run
# (emails and SMS queued, letters waiting in Letters to Print, call tasks).
company.collection_autopilot = True
env["collection.promise"].create(
    {
        "partner_id": mueller.id,
        "move_ids": [Command.set(mueller_late.ids)],
        "date": today + timedelta(days=7),
        "amount": mueller_late.amount_residual,
        "note": "Promised on the phone by the CFO.",
    }
)
de_vries_late = env["account.move"].search(
    [("partner_id", "=", de_vries.id), ("invoice_date_due", "<", today), ("state", "=", "posted")]
)
env["collection.dispute"].create(
    {
        "partner_id": de_vries.id,
        "move_ids": [Command.set(de_vries_late.ids)],
        "reason": "quality",
        "note": "Two crates arrived damaged.",
    }
)
smith.with_company(company).write(
    {"collection_pause_until": today + timedelta(days=10), "collection_pause_note": "Waiting for their PO"}
)
# Odoo's invoice PDFs, stored on the invoices as Send & Print does (the reminders attach them):
# rendered while scripts/demo serves the report styles. Commit first: wkhtmltopdf fetches them
# through a session of the admin, whose record this transaction would otherwise keep locked.
env.cr.commit()
open_invoices = env["account.move"].search(
    [
        ("move_type", "=", "out_invoice"),
        ("state", "=", "posted"),
        ("payment_state", "in", ("not_paid", "partial")),
    ]
)
env["collection.autopilot"]._store_invoice_pdfs(open_invoices)
reminders = env["collection.autopilot"]._run(company)
env.cr.commit()
# The emails go to the demo's mail sink (scripts/demo passes it as Odoo's SMTP server).
env["mail.mail"].process_email_queue()
env.invalidate_all()
mails = env["mail.mail"].with_context(active_test=False).search([])
failed = mails.filtered(lambda mail: mail.state == "exception")
assert not failed, f"emails failed: {failed.mapped('failure_reason')}"
print(f"demo reminders: {len(reminders)} sent by the autopilot's first run")
print(
    f"demo data: {len(customers)} customers, {env['account.move'].search_count([('move_type', '=', 'out_invoice')])} invoices"
)
