{
    "name": "Accounts Receivable Collections",
    "summary": "Reminder autopilot, promises, disputes, payment plans, provisions, write-offs "
    "and hand-over for unpaid customer invoices",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "author": "account_collection developers",
    "website": "https://github.com/account-collection/account_collection",
    "license": "LGPL-3",
    "depends": ["account", "mail", "portal", "sms"],
    "external_dependencies": {"python": ["num2words", "python-stdnum"]},
    "data": [
        "security/account_collection_groups.xml",
        "security/ir.model.access.csv",
        "security/account_collection_security.xml",
        # The reports come before the data: the statement email attaches its report, and the
        # shipped levels use the email and SMS templates.
        "reports/collection_letter_reports.xml",
        "reports/collection_letter_templates.xml",
        "reports/collection_statement_reports.xml",
        "reports/collection_statement_templates.xml",
        "data/mail_template_data.xml",
        "data/sms_template_data.xml",
        "data/collection_policy_data.xml",
        "data/ir_cron_data.xml",
        "views/collection_policy_views.xml",
        "views/collection_communication_views.xml",
        "views/collection_promise_views.xml",
        "views/account_move_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/account_collection_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "account_collection/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "_post_init_hook",
}
