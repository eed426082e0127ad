import time

from freezegun import freeze_time

from odoo.tests import tagged

from .common import CollectionCommon


@tagged("post_install", "-at_install")
class TestAutopilotCron(CollectionCommon):
    """The daily cron reports its batches to Odoo's cron progress API: a pass that runs out of
    time stops after a committed batch, and the next pass goes on with the next customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.collection_policy_id = cls.policy_standard
        cls.env["res.company"].search([("id", "!=", cls.company.id)]).collection_autopilot = False
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Cron Customer {i}",
                    "email": f"cron{i}@example.com",
                    "street": "Main 1",
                    "city": "Gent",
                }
                for i in range(5)
            ]
        )
        for customer in cls.customers:
            cls._invoice(customer, 100.0, "2026-01-01", "2026-01-31")

    def _passes(self, day):
        """Run the cron on `day` as Odoo would with no time left after each batch, until it
        says it is done; returns how many of the customers had a reminder of `day` after each pass."""
        autopilot = self.env["collection.autopilot"].sudo()
        self.patch(type(autopilot), "_batch_size", 2)
        reminded = []
        with freeze_time(day):
            for _pass in range(10):
                budget = autopilot.with_context(cron_end_time=time.monotonic())._cron_run()
                reminded.append(self._comms(day).partner_id & self.customers)
                if not budget["stopped"]:
                    self.assertEqual(budget["remaining"], 0)
                    break
        return [len(partners) for partners in reminded]

    def _comms(self, day):
        return self.env["collection.communication"].search(
            [("partner_id", "in", self.customers.ids), ("date", "=", day)]
        )

    def test_cut_run_resumes_and_completes(self):
        first, second = self.policy_standard.level_ids.sorted("offset_days")[1:3]
        self.assertEqual(self._passes("2026-02-03"), [2, 4, 5], "two customers a pass, then the rest")
        comms = self._comms("2026-02-03")
        self.assertEqual(comms.partner_id, self.customers, "every customer reminded")
        self.assertEqual(len(comms), 5, "each exactly once")
        self.assertEqual(comms.level_id, first)
        self.assertEqual(self.company.collection_run_cursor, max(self.customers.ids))
        mails = self.env["mail.mail"].search([("mail_message_id", "in", comms.mail_message_id.ids)])
        self.assertEqual(len(mails), 5)
        self.assertEqual(sorted(mails.recipient_ids.ids), sorted(self.customers.ids), "one email each")

        # Another pass the same day (a second worker, a trigger): nothing left, nothing twice.
        with freeze_time("2026-02-03"):
            budget = self.env["collection.autopilot"].sudo()._cron_run()
        self.assertEqual(budget["remaining"], 0)
        self.assertEqual(self._comms("2026-02-03"), comms)

        # The next level's day starts over from the first customer, again over several passes.
        self.assertEqual(self._passes("2026-02-07"), [2, 4, 5])
        comms = self._comms("2026-02-07")
        self.assertEqual(len(comms), 5)
        self.assertEqual(comms.partner_id, self.customers)
        self.assertEqual(comms.level_id, second)

    def test_no_batch_started_past_the_deadline(self):
        """A pass whose next batch would end after the server's time limit stops before it. The
        first call of a job always sends one batch (a job must progress); the next calls of the
        same job send nothing, so that Odoo ends the job and reschedules it at once."""
        autopilot = self.env["collection.autopilot"].sudo()
        self.patch(type(autopilot), "_batch_size", 2)
        job = autopilot.with_context(cron_end_time=time.monotonic() + 1000)
        with freeze_time("2026-02-03"):
            self.patch(type(autopilot), "_cron_deadline", lambda self: time.monotonic() - 1)
            budget = job._cron_run()
            self.assertEqual((budget["stopped"], budget["remaining"]), (True, 3))
            self.assertEqual(len(self._comms("2026-02-03")), 2)
            budget = job._cron_run()
            self.assertEqual(
                (budget["stopped"], budget["remaining"]), (True, 3), "the same job: nothing more"
            )
            self.assertEqual(len(self._comms("2026-02-03")), 2)
            self.patch(type(autopilot), "_cron_deadline", lambda self: float("inf"))
            budget = autopilot.with_context(cron_end_time=time.monotonic() + 2000)._cron_run()
        self.assertFalse(budget["stopped"])
        self.assertEqual(len(self._comms("2026-02-03")), 5)
        self.assertEqual(self._comms("2026-02-03").partner_id, self.customers)

    def _job_passes(self, day, jobs):
        """Run the cron's jobs in the order `jobs` gives (False: the autopilot, True: its second
        worker), each pass with no time left after one batch; returns the customers each pass
        reminded and the budgets."""
        autopilot = self.env["collection.autopilot"].sudo()
        self.patch(type(autopilot), "_batch_size", 2)
        sent, budgets = [], []
        with freeze_time(day):
            for from_top in jobs:
                before = self._comms(day).partner_id
                budgets.append(
                    autopilot.with_context(cron_end_time=time.monotonic())._cron_run(from_top=from_top)
                )
                sent.append(sorted((self._comms(day).partner_id - before).ids))
        return sent, budgets

    def test_two_jobs_meet_in_the_middle(self):
        """The run's second job goes down from the last customer while the first goes up, so that
        two cron workers send at once; each stops where the other has been: every customer
        exactly once, by one job or the other."""
        ids = sorted(self.customers.ids)
        sent, budgets = self._job_passes("2026-02-03", [False, True, False, True])
        self.assertEqual(sent, [ids[:2], ids[3:], [ids[2]], []])
        self.assertEqual([budget["remaining"] for budget in budgets], [3, 1, 0, 0])
        self.assertEqual(self.company.collection_run_cursor, ids[2])
        second = self.env["collection.run.cursor"].search([("company_id", "=", self.company.id)])
        self.assertEqual((second.date.isoformat(), second.cursor), ("2026-02-03", ids[3]))
        comms = self._comms("2026-02-03")
        self.assertEqual(len(comms), 5, "each customer exactly once")
        self.assertEqual(comms.partner_id, self.customers)
        # The next day both start over, from their own end.
        sent, _budgets = self._job_passes("2026-02-07", [True, False, True, False])
        self.assertEqual(sent, [ids[3:], ids[:2], [ids[2]], []])

    def test_either_job_alone_reminds_everyone(self):
        """With one cron thread the jobs run one after the other, and a job may be archived:
        either one alone sends to every customer, and the other then finds nothing left."""
        ids = sorted(self.customers.ids)
        sent, budgets = self._job_passes("2026-02-03", [True, True, True, False])
        self.assertEqual(sent, [ids[3:], ids[1:3], ids[:1], []])
        self.assertEqual(budgets[-1]["remaining"], 0)
        self.assertEqual(len(self._comms("2026-02-03")), 5)
        sent, _budgets = self._job_passes("2026-02-07", [False, False, False, True])
        self.assertEqual(sent, [ids[:2], ids[2:4], ids[4:], []])
        self.assertEqual(len(self._comms("2026-02-07")), 5)

    def test_jobs_meeting_within_a_batch(self):
        """The other job went past this pass's start: before each batch a job reads again where
        the other one is, sends only the customers before it, and ends the pass there."""
        autopilot = self.env["collection.autopilot"].sudo()
        Autopilot = type(autopilot)
        self.patch(Autopilot, "_batch_size", 3)
        ids = sorted(self.customers.ids)
        with freeze_time("2026-02-03"):
            # The autopilot's pass looked at its customers before the second worker sent the last three.
            stale = autopilot._pending(self.company)
            self.assertEqual(stale, ids)
            top = autopilot.with_context(cron_end_time=time.monotonic())._cron_run(from_top=True)
            self.assertEqual(sorted(self._comms("2026-02-03").partner_id.ids), ids[2:])
            self.patch(Autopilot, "_pending", lambda self, company, from_top=False: list(stale))
            budget = autopilot._cron_run()
        self.assertEqual(top["remaining"], 2)
        self.assertEqual((budget["remaining"], budget["stopped"]), (0, False))
        self.assertEqual(self.company.collection_run_cursor, ids[1])
        self.assertEqual(self._comms("2026-02-03").partner_id, self.customers)
        self.assertEqual(len(self._comms("2026-02-03")), 5, "none twice")
