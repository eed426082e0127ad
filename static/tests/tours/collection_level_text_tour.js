import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("account_collection_level_text_tour", {
    url: "/odoo/collection-policies",
    steps: () => [
        {
            content: "Open the policy",
            trigger: '.o_list_view tr.o_data_row td[name="name"]:contains("Tour Policy")',
            run: "click",
        },
        {
            content: "The level shows the email template it uses",
            trigger: '.o_field_widget[name="level_ids"] tr.o_data_row:contains("Tour reminder") td[name="mail_template_id"]:contains("Collections: payment reminder")',
        },
        {
            content: "Open the level",
            trigger: '.o_field_widget[name="level_ids"] tr.o_data_row:contains("Tour reminder") td[name="name"]',
            run: "click",
        },
        {
            content: "Open its texts",
            trigger: '.modal a.nav-link:contains("Texts")',
            run: "click",
        },
        {
            content: "The shipped introduction is there to edit",
            trigger: '.modal .o_field_widget[name="text_intro"] .odoo-editor-editable p:contains("Perhaps this slipped through")',
        },
        {
            content: "Write our own first sentence",
            trigger: '.modal .o_field_widget[name="text_intro"] .odoo-editor-editable p:first',
            run: "editor Our own words, in {document}.",
        },
        {
            content: "Save the level",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Save the policy",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_status_indicator:not(:has(.o_form_button_save:visible))",
        },
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Customers menu",
            trigger: 'button[data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
        {
            content: "Open Collections",
            trigger: 'a[data-menu-xmlid="account_collection.collection_cockpit_menu"]',
            run: "click",
        },
        {
            content: "Select the overdue customer",
            trigger: '.o_list_view tr.o_data_row:contains("Tour Text Customer") .o_list_record_selector input',
            run: "click",
        },
        {
            content: "Preview what he would receive",
            trigger: 'button[name="action_collection_preview"]',
            run: "click",
        },
        {
            content: "The preview shows his email at once, with our own words",
            trigger: '.modal .o_collection_preview_body :iframe p:contains("Our own words, in this email.")',
        },
        {
            content: "It is for the customer selected",
            trigger: '.modal .o_collection_preview_title:contains("What Tour Text Customer receives")',
        },
        {
            content: "Close the preview",
            trigger: '.modal button:contains("Close")',
            run: "click",
        },
    ],
});
