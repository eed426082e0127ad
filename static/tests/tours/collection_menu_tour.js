import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("account_collection_menu_tour", {
    url: "/odoo",
    steps: () => [
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
            content: "The overdue customer is listed with its overdue amount",
            trigger: '.o_list_view tr.o_data_row:contains("Tour Overdue Customer") td[name="collection_overdue_amount"]:contains("500.00")',
        },
        {
            content: "Log a call from the customer's row",
            trigger: '.o_list_view tr.o_data_row:contains("Tour Overdue Customer") button[name="action_collection_log_call"]',
            run: "click",
        },
        {
            content: "The customer disputes the invoice",
            trigger: '.modal .o_field_widget[name="outcome"] input[data-value="dispute"]',
            run: "click",
        },
        {
            content: "Say why",
            trigger: '.modal .o_field_widget[name="note"] textarea',
            run: "edit Invoice disputed on the phone",
        },
        {
            content: "Log it",
            trigger: '.modal button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "Back in the cockpit, told what was recorded",
            trigger: '.o_notification:contains("Call logged for Tour Overdue Customer")',
        },
        {
            content: "The customer now shows as disputed",
            trigger: '.o_list_view tr.o_data_row:contains("Tour Overdue Customer") td[name="collection_pause_reason"]:contains("Disputed")',
        },
    ],
});
