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
    ],
});
