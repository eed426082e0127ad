import { registry } from "@web/core/registry";

// The customer opens his payment plan from the link of the email (no login) and accepts it.
registry.category("web_tour.tours").add("account_collection_payment_plan_tour", {
    steps: () => [
        {
            content: "The plan shows its schedule",
            trigger: ".o_collection_payment_plan_portal table td",
        },
        {
            content: "Type the name",
            trigger: ".o_web_sign_name_and_signature input",
            run: "edit Jan Plan",
        },
        {
            content: "The signature is drawn from the name",
            trigger: "canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Accept and sign",
            trigger: ".o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The plan is accepted",
            trigger: ".o_collection_payment_plan_portal .alert-success",
        },
    ],
});
