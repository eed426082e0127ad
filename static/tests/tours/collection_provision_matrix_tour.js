import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("account_collection_provision_matrix_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Customers menu",
            trigger: 'button[data-menu-xmlid="account.menu_finance_receivables"]',
            run: "click",
        },
        {
            content: "Open the Provision Matrix",
            trigger: 'a[data-menu-xmlid="account_collection.collection_provision_matrix_menu"]',
            run: "click",
        },
        {
            content: "The matrix opens in a wide dialog",
            trigger: ".modal .modal-dialog.modal-xl .o_form_view",
        },
        {
            content: "Preview",
            trigger: '.modal button[name="action_preview"]',
            run: "click",
        },
        {
            content: "The summary per bucket counts the 45-days invoice",
            trigger: '.modal .o_field_widget[name="bucket_ids"] tr.o_data_row:contains("31-60") td[name="invoice_count"]:contains("1")',
        },
        {
            content: "The invoice marked as doubtful is named as left as booked by hand",
            trigger: '.modal .alert-info .o_field_widget[name="manual_move_ids"] .o_tag',
        },
        {
            content: "Open the preview per invoice",
            trigger: '.modal a.nav-link[name="preview"]',
            run: "click",
        },
        {
            content: "Leave the other customer's invoice out",
            trigger: '.modal .o_field_widget[name="line_ids"] tr.o_data_row:contains("Tour Skipped Customer") button[name="action_leave_out"]',
            run: "click",
        },
        {
            content: "The invoice is listed as left out",
            trigger: '.modal .o_field_widget[name="excluded_move_ids"] .o_tag',
        },
        {
            content: "Post",
            trigger: '.modal button[name="action_post"]',
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer button.btn-primary:contains(Ok)",
            run: "click",
        },
        {
            content: "The posted provision entry opens",
            trigger: 'body:not(:has(.modal)) .o_form_view .o_field_widget[name="line_ids"]',
        },
    ],
});
