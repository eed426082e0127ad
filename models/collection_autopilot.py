import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape
from psycopg2.errors import UniqueViolation

from odoo import Command, api, fields, models, modules
from odoo.tools import SQL, split_every

from odoo.addons.base.models.ir_actions_report import _wkhtml

from ..tools.schedule import days_late
from .res_partner import PARTNER_PAUSE_REASONS

_logger = logging.getLogger(__name__)


class CollectionAutopilot(models.AbstractModel):
    """The engine that decides who is reminded of what today, and sends it.

    The work is done per company in two phases:

    1. decide: a handful of grouped queries over all open receivable lines give, per customer,
       the invoices that reached a new level today (the query count does not depend on the
       number of invoices);
    2. send: per batch of customers, one communication each, created and dispatched in bulk
       (emails and SMS are queued, letters wait in the print queue, calls and alerts become
       activities). The cron commits after each batch, so a crash loses at most one batch.
    """

    _name = "collection.autopilot"
    _description = "Collections Autopilot"

    _batch_size = 500
    _batch_models = (
        "mail.mail",
        "mail.message",
        "mail.activity",
        "sms.sms",
        "collection.communication",
        "collection.communication.line",
        "ir.attachment",
    )

    # ------------------------------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------------------------------

    @api.model
    def _cron_run(self):
        for company in self.env["res.company"].search([("collection_autopilot", "=", True)]):
            # Committing between batches keeps the work done when a later batch crashes; tests
            # run in one transaction that they roll back, so they never commit.
            self.with_company(company)._run(company, commit=not modules.module.current_test)

    @api.model
    def _run(self, company, today=None, partners=None, manual=False, commit=False):
        """Remind the customers of `company` (or only `partners`) of what reached a new level.

        With `manual`, the given customers are reminded now of the highest level their overdue
        invoices reached, even if they were reminded of it before, and even when they are set to
        "no automatic reminders".

        :return: the communications created
        """
        self = self.with_company(company)
        today = today or fields.Date.context_today(self)
        self._update_promises(company, today)
        decisions = self._decide(company, today, partners=partners, manual=manual)
        communications = self.env["collection.communication"]
        for batch in split_every(self._batch_size, decisions):
            communications |= self._process_batch_isolated(company, today, batch, manual)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            # What a batch wrote is not read again: keep memory flat over thousands of customers.
            self.env.flush_all()
            for model in self._batch_models:
                self.env[model].invalidate_model()
        self._refresh_status(company, today, partners=partners)
        return communications

    # ------------------------------------------------------------------------------------------
    # Decide
    # ------------------------------------------------------------------------------------------

    @api.model
    def _open_items(self, company, partners=None):
        """Open receivable items per (customer, document), in one grouped query.

        Each instalment of an invoice is a receivable line of its own: the oldest unpaid one gives
        the document's due date, and partial payments lower the residual amounts.
        """
        domain = [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
            ("partner_id", "!=", False),
        ]
        if partners is not None:
            domain.append(("partner_id", "in", partners.commercial_partner_id.ids))
        return self.env["account.move.line"]._read_group(
            domain,
            ["partner_id", "move_id", "currency_id"],
            ["date_maturity:min", "amount_residual:sum", "amount_residual_currency:sum"],
        )

    @api.model
    def _decide(self, company, today, partners=None, manual=False):
        """Per customer to remind: the level to send and the documents to list.

        :return: a list of dicts with keys partner, level, items (the open documents to show) and
                 reached (invoice -> level reached, for the invoices this communication moves on)
        """
        rows = self._open_items(company, partners)
        if not rows:
            return []
        moves = self.env["account.move"].browse({move.id for _partner, move, *_rest in rows})
        moves.fetch(["move_type", "collection_level_id", "collection_force_next", "name"])
        paused = moves.search(
            [("id", "in", moves.ids), ("collection_pause_reason", "!=", False)]
        )  # one query, subselects included
        customers = (
            self.env["res.partner"].browse({partner.id for partner, *_rest in rows}).with_company(company)
        )
        customers.fetch(["collection_policy_id", "collection_no_auto", "collection_pause_until", "name"])
        policy_of = {
            partner: partner.collection_policy_id or company.collection_policy_id for partner in customers
        }
        levels_of = {
            policy: policy.level_ids.sorted(lambda level: (level.offset_days, level.id))
            for policy in set(policy_of.values())
            if policy
        }

        items_of = defaultdict(list)
        for partner, move, currency, date_due, residual, residual_currency in rows:
            items_of[partner].append(
                {
                    "move": move,
                    "currency": currency,
                    "date_due": date_due,
                    "days_late": days_late(date_due, today) if date_due else 0,
                    "amount_residual": residual,
                    "amount_residual_currency": residual_currency,
                    "paused": move in paused,
                }
            )

        decisions = []
        for partner, items in items_of.items():
            partner = partner.with_company(company)
            policy = policy_of.get(partner)
            levels = levels_of.get(policy)
            if not levels or (not manual and (partner.collection_no_auto or self._paused(partner, today))):
                continue
            reached = {}
            needed = {}
            for item in items:
                move = item["move"]
                if item["paused"] or item["amount_residual"] <= 0 or move.move_type != "out_invoice":
                    continue
                level = self._level_for(levels, item["days_late"])
                current = move.collection_level_id
                if move.collection_force_next:
                    later = levels.filtered(
                        lambda lvl, current=current: not current or lvl.offset_days > current.offset_days
                    )
                    level = max(
                        level or later[:1], later[:1], key=lambda lvl: lvl.offset_days if lvl else -9999
                    )
                if not level:
                    continue
                item["level"] = level
                reached[move] = level
                if not current or level.offset_days > current.offset_days:
                    needed[move] = level
            if not needed and not (manual and reached):
                continue
            driving = max((needed or reached).values(), key=lambda level: level.offset_days)
            shown = [
                item
                for item in items
                if not item["paused"]
                and (item["amount_residual"] < 0 or item["days_late"] > 0 or item["move"] in reached)
            ]
            decisions.append(
                {"partner": partner, "level": driving, "items": shown, "reached": needed or reached}
            )
        return decisions

    @api.model
    def _paused(self, partner, today):
        return bool(partner.collection_pause_until and partner.collection_pause_until >= today)

    @api.model
    def _refresh_status(self, company, today=None, partners=None):
        """Refresh the cockpit columns of the customers (all, or `partners`) of `company`:
        level reached, next level and date, and why reminders wait. A few grouped queries,
        whatever the number of invoices."""
        today = today or fields.Date.context_today(self)
        # The snapshot belongs to the system: whoever triggers the refresh (a clerk logging a
        # promise) may not edit customers, yet their cockpit columns must follow.
        Partner = self.env["res.partner"].sudo().with_company(company)
        rows = self._open_items(company, partners)
        moves = self.env["account.move"].browse({move.id for _partner, move, *_rest in rows})
        moves.fetch(["move_type", "collection_level_id", "collection_force_next"])
        customers = Partner.browse({partner.id for partner, *_rest in rows})
        customers.fetch(
            [
                "collection_policy_id",
                "collection_no_auto",
                "collection_pause_until",
                "collection_level_id",
                "collection_next_level_id",
                "collection_next_date",
                "collection_pause_reason",
            ]
        )
        levels_of = {}
        status = {}
        for partner, move, _currency, date_due, residual, _residual_currency in rows:
            partner = partner.with_company(company)
            if move.move_type != "out_invoice" or residual <= 0:
                continue
            policy = partner.collection_policy_id or company.collection_policy_id
            if policy not in levels_of:
                levels_of[policy] = policy.level_ids.sorted(lambda level: (level.offset_days, level.id))
            levels = levels_of[policy]
            values = status.setdefault(partner.id, {"level": levels.browse(), "next": None, "reasons": set()})
            current = move.collection_level_id
            if current and (not values["level"] or current.offset_days > values["level"].offset_days):
                values["level"] = current
            reason = move.collection_pause_reason
            if reason:
                values["reasons"].add(reason)
                continue
            following = levels.filtered(
                lambda level, current=current: not current or level.offset_days > current.offset_days
            )[:1]
            if not following or not date_due:
                continue
            when = (
                today
                if move.collection_force_next
                else max(date_due + timedelta(following.offset_days), today)
            )
            if not values["next"] or when < values["next"][0]:
                values["next"] = (when, following)
        # The pause reason depends on the day: do not leave it in the cache for later readers.
        moves.invalidate_recordset(["collection_pause_reason", "collection_paused_until"])
        order = [reason for reason, _label in PARTNER_PAUSE_REASONS]
        groups = defaultdict(list)
        for partner in customers:
            values = status.get(partner.id)
            if not values:
                continue
            reasons = values["reasons"]
            nxt = values["next"]
            if self._paused(partner, today):
                reasons.add("manual")
                nxt = nxt and (max(nxt[0], partner.collection_pause_until + timedelta(1)), nxt[1])
            if partner.collection_no_auto:
                nxt = None
            key = (
                values["level"].id,
                nxt[1].id if nxt else False,
                nxt[0] if nxt else False,
                min(reasons, key=order.index) if reasons else False,
            )
            current = (
                partner.collection_level_id.id,
                partner.collection_next_level_id.id,
                partner.collection_next_date,
                partner.collection_pause_reason,
            )
            if key != current:
                groups[key].append(partner.id)
        stale_domain = [
            "|",
            "|",
            ("collection_level_id", "!=", False),
            ("collection_next_date", "!=", False),
            ("collection_pause_reason", "!=", False),
        ]
        if partners is not None:
            stale_domain.append(("id", "in", partners.commercial_partner_id.ids))
        stale = Partner.search(stale_domain) - Partner.browse(status)
        if stale:
            groups[(False, False, False, False)] += stale.ids
        for (level_id, next_level_id, next_date, reason), ids in groups.items():
            Partner.browse(ids).write(
                {
                    "collection_level_id": level_id,
                    "collection_next_level_id": next_level_id,
                    "collection_next_date": next_date,
                    "collection_pause_reason": reason,
                }
            )

    @api.model
    def _level_for(self, levels, days):
        """The highest level of `levels` (sorted by offset) reached `days` after the due date."""
        reached = levels.filtered(lambda level: level.offset_days <= days)
        return reached[-1:] if reached else levels.browse()

    # ------------------------------------------------------------------------------------------
    # Promises
    # ------------------------------------------------------------------------------------------

    @api.model
    def _update_promises(self, company, today):
        """Close the open promises: kept once the invoices are paid, broken past the deadline."""
        promises = self.env["collection.promise"].search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        )
        if not promises:
            return
        kept = promises.filtered(lambda promise: promise._is_kept())
        kept.state = "kept"
        broken = (promises - kept).filtered(lambda promise: promise.deadline < today)
        if not broken:
            return
        broken.state = "broken"
        broken.move_ids.filtered(lambda move: move.payment_state in ("not_paid", "partial")).write(
            {"collection_force_next": True}
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": promise.partner_id.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("Promise to pay broken"),
                    "note": escape(
                        self.env._(
                            "%(partner)s promised to pay %(invoices)s by %(date)s and has not paid. "
                            "Reminders resume at the next level.",
                            partner=promise.partner_id.name,
                            invoices=", ".join(promise.move_ids.mapped("name")),
                            date=promise.date,
                        )
                    ),
                    "user_id": self._responsible(promise.partner_id, company).id,
                    "date_deadline": today,
                }
                for promise in broken
            ]
        )

    # ------------------------------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------------------------------

    @api.model
    def _process_batch_isolated(self, company, today, decisions, manual):
        """Send a batch; if it fails, send its customers one by one so that one customer's bad
        data only stops that customer, whose error is recorded."""
        # The savepoint flushes on exit, where a constraint may still fail: keep the result only
        # once the savepoint is released.
        try:
            with self.env.cr.savepoint():
                sent = self._process_batch(company, today, decisions, manual)
            return sent
        except Exception:
            _logger.info("collection batch failed, retrying its %s customers one by one", len(decisions))
        communications = self.env["collection.communication"]
        for decision in decisions:
            try:
                with self.env.cr.savepoint():
                    sent = self._process_batch(company, today, [decision], manual)
                communications |= sent
            except UniqueViolation as error:
                if "collection_communication_unique_auto" not in str(error):
                    raise
                # Another worker sent this reminder since we decided: nothing to do, nothing failed.
                _logger.info("collection reminder for partner %s already sent today", decision["partner"].id)
                self.env.invalidate_all()
            except Exception as error:
                _logger.warning(
                    "collection reminder for partner %s failed: %s",
                    decision["partner"].id,
                    error,
                    exc_info=True,
                )
                self.env.invalidate_all()
                communications |= self.env["collection.communication"].create(
                    {
                        "company_id": company.id,
                        "partner_id": decision["partner"].id,
                        "date": today,
                        "level_id": decision["level"].id,
                        "manual": manual,
                        "error": str(error),
                        "user_id": self._responsible(decision["partner"], company).id,
                    }
                )
        return communications

    @api.model
    def _process_batch(self, company, today, decisions, manual):
        Communication = self.env["collection.communication"]
        responsibles = self._responsibles(
            self.env["res.partner"].union(*(decision["partner"] for decision in decisions)), company
        )
        vals_list = [
            self._prepare_communication_vals(
                company, today, decision, manual, responsibles[decision["partner"].id]
            )
            for decision in decisions
        ]
        communications = Communication.create(vals_list)
        self._ensure_portal_tokens(communications.line_ids.move_id)
        self._send_emails(communications.filtered("channel_email"))
        self._send_sms(communications.filtered("channel_sms"))
        self._create_activities(communications.filtered(lambda comm: comm.channel_call or comm.channel_alert))
        # Move every invoice to the level it reached: one write per level, not per invoice.
        self._set_levels(
            {move: level for decision in decisions for move, level in decision["reached"].items()}, today
        )
        # Emailed reminders are in the chatter through their email already (see _send_emails).
        logged = communications.filtered(lambda comm: not comm.channel_email)
        if logged:
            logged.partner_id._message_log_batch(
                bodies={comm.partner_id.id: self._chatter_summary(comm) for comm in logged}
            )
        return communications

    @api.model
    def _set_levels(self, level_of, today):
        """Record on each invoice the level it reached, in one query.

        These three fields belong to the autopilot and carry no accounting data: going through
        account.move's write() would run its lock-date and synchronisation checks, which read
        every line of every invoice, for nothing.
        """
        if not level_of:
            return
        moves = self.env["account.move"].union(*level_of)
        fnames = ["collection_level_id", "collection_last_date", "collection_force_next"]
        moves.flush_recordset(fnames)
        self.env.cr.execute(
            SQL(
                "UPDATE account_move AS move SET collection_level_id = new.level_id, "
                "collection_last_date = %s, collection_force_next = FALSE "
                "FROM (VALUES %s) AS new(id, level_id) WHERE move.id = new.id",
                today,
                SQL(", ").join(SQL("(%s, %s)", move.id, level.id) for move, level in level_of.items()),
            )
        )
        moves.invalidate_recordset(fnames)

    @api.model
    def _ensure_portal_tokens(self, moves):
        """Give the invoices the access token of their portal link in one query (the portal's
        own method writes them one by one)."""
        missing = moves.filtered(lambda move: not move.access_token)
        if missing:
            missing.flush_recordset(["access_token"])
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET access_token = gen_random_uuid()::text WHERE id IN %s",
                    tuple(missing.ids),
                )
            )
            missing.invalidate_recordset(["access_token"])

    @api.model
    def _prepare_communication_vals(self, company, today, decision, manual, responsible):
        partner, level = decision["partner"], decision["level"]
        channels, fallback = self._channels(partner, level)
        overdue = sum(item["amount_residual"] for item in decision["items"] if item["amount_residual"] > 0)
        return {
            "company_id": company.id,
            "partner_id": partner.id,
            "date": today,
            "level_id": level.id,
            "manual": manual,
            "user_id": responsible.id,
            "channel_email": channels["email"],
            "channel_sms": channels["sms"],
            "channel_letter": channels["letter"],
            "channel_call": channels["call"],
            "channel_alert": channels["alert"],
            "letter_state": "to_print" if channels["letter"] else False,
            "registered_letter": channels["letter"] and level.registered_letter,
            "fallback_note": fallback,
            "amount_overdue": overdue,
            "amount_due": sum(item["amount_residual"] for item in decision["items"]),
            "line_ids": [
                Command.create(
                    {
                        "move_id": item["move"].id,
                        "level_id": item.get("level", level.browse()).id,
                        "date_due": item["date_due"],
                        "days_late": item["days_late"],
                        "currency_id": item["currency"].id,
                        "amount_residual": item["amount_residual"],
                        "amount_residual_currency": item["amount_residual_currency"],
                    }
                )
                for item in decision["items"]
            ],
        }

    @api.model
    def _channels(self, partner, level):
        """The channels of `level` this customer can receive, and a note of the replacements.

        Nothing is dropped silently: without an email address or phone number the customer gets
        a letter, and without a postal address a call task instead.
        """
        channels = {
            "email": level.send_email,
            "sms": level.send_sms,
            "letter": level.send_letter,
            "call": level.create_call,
            "alert": level.send_alert,
        }
        notes = []
        has_address = bool(partner.street and partner.city)
        missing = []
        if channels["email"] and not partner.email:
            channels["email"] = False
            missing.append(self.env._("email address"))
        if channels["sms"] and not (partner.phone_sanitized or partner.phone):
            channels["sms"] = False
            missing.append(self.env._("phone number"))
        if missing:
            if has_address:
                if not channels["letter"]:
                    channels["letter"] = True
                    notes.append(self.env._("No %(what)s: a letter replaces it.", what=" / ".join(missing)))
            elif not channels["call"]:
                channels["call"] = True
                notes.append(
                    self.env._(
                        "No %(what)s and no postal address: a call task replaces it.",
                        what=" / ".join(missing),
                    )
                )
        if channels["letter"] and not has_address:
            channels["letter"] = False
            channels["call"] = True
            notes.append(self.env._("No postal address for the letter: a call task replaces it."))
        return channels, "\n".join(notes) or False

    @api.model
    def _responsible(self, partner, company):
        return self._responsibles(partner, company)[partner.id]

    @api.model
    def _responsibles(self, partners, company):
        """Who follows up each customer (by id): its collections responsible, its salesperson,
        or the company's default responsible."""
        partners = partners.with_company(company)
        partners.fetch(["collection_responsible_id", "user_id"])
        default = (
            company.collection_responsible_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )
        return {
            partner.id: partner.collection_responsible_id or partner.user_id or default
            for partner in partners
        }

    @api.model
    def _channel_labels(self, comm):
        return [
            label
            for flag, label in (
                (comm.channel_email, self.env._("email")),
                (comm.channel_sms, self.env._("SMS")),
                (comm.channel_letter, self.env._("letter")),
                (comm.channel_call, self.env._("call task")),
                (comm.channel_alert, self.env._("internal alert")),
            )
            if flag
        ]

    @api.model
    def _chatter_summary(self, comm):
        channels = self._channel_labels(comm)
        body = Markup("<p>%s</p>") % self.env._(
            "Collections: %(level)s (%(channels)s) for %(invoices)s.",
            level=comm.level_id.name,
            channels=", ".join(channels),
            invoices=", ".join(
                comm.line_ids.filtered(lambda line: line.amount_residual > 0).move_id.mapped("name")
            ),
        )
        if comm.fallback_note:
            body += Markup("<p>%s</p>") % comm.fallback_note
        return body

    # Channels ---------------------------------------------------------------------------------

    @api.model
    def _send_emails(self, communications):
        """Queue one email per communication, rendered per level in the customer's language."""
        if not communications:
            return
        default_template = self.env.ref("account_collection.mail_template_collection_reminder")
        mail_vals, ordered = [], []
        # mail.message computes each reply-to on its own (a few queries per message): do it once.
        reply_to = {}
        for company, comms in communications.grouped("company_id").items():
            reply_to.update(
                comms.partner_id.with_company(company)
                .sudo()
                ._notify_get_reply_to(default=company.email_formatted or self.env.user.email_formatted)
            )
        for level, comms in communications.grouped("level_id").items():
            template = level.mail_template_id or default_template
            subjects = template._render_field("subject", comms.ids, compute_lang=True)
            bodies = template._render_field("body_html", comms.ids, compute_lang=True)
            attachments = self._invoice_attachments(comms) if level.attach_invoices else {}
            for comm in comms:
                ordered.append(comm)
                mail_vals.append(
                    {
                        "subject": subjects[comm.id],
                        "body_html": bodies[comm.id],
                        # The chatter shows what was sent and why in a few lines, and the
                        # full email stays in body_html: sanitizing every letter-sized body
                        # again as the message's Html field was a third of the run.
                        "body": self._chatter_summary(comm),
                        "model": "res.partner",
                        "res_id": comm.partner_id.id,
                        "record_name": comm.partner_id.display_name,
                        "message_type": "email_outgoing",
                        "author_id": comm.company_id.partner_id.id,
                        "email_from": comm.company_id.email_formatted or self.env.user.email_formatted,
                        "reply_to": reply_to.get(comm.partner_id.id),
                        "recipient_ids": [Command.link(comm.partner_id.id)],
                        "attachment_ids": [Command.set(attachments.get(comm, []))],
                        "auto_delete": False,
                    }
                )
        mails = self.env["mail.mail"].sudo().create(mail_vals)
        self._link(ordered, "mail_message_id", mails.mail_message_id.ids)
        communications.email_state = "queued"

    @api.model
    def _link(self, communications, field_name, ids):
        """Set a different many2one value on each communication in one query."""
        if not communications:
            return
        comms = self.env["collection.communication"].union(*communications)
        comms.flush_recordset([field_name])
        self.env.cr.execute(
            SQL(
                "UPDATE collection_communication AS comm SET %s = link.value FROM (VALUES %s) AS link(id, value) "
                "WHERE comm.id = link.id",
                SQL.identifier(field_name),
                SQL(", ").join(
                    SQL("(%s, %s)", comm.id, value) for comm, value in zip(comms, ids, strict=True)
                ),
            )
        )
        comms.invalidate_recordset([field_name])

    @api.model
    def _invoice_attachments(self, communications):
        """The PDFs of the overdue invoices, reusing those Odoo already stored; the missing ones
        are rendered in one report call."""
        invoices = communications.line_ids.filtered(lambda line: line.amount_residual > 0).move_id
        missing = invoices.filtered(lambda move: not move.invoice_pdf_report_id)
        if missing:
            self._store_invoice_pdfs(missing)
        return {
            comm: comm.line_ids.filtered(
                lambda line: line.amount_residual > 0
            ).move_id.invoice_pdf_report_id.ids
            for comm in communications
        }

    @api.model
    def _store_invoice_pdfs(self, invoices):
        """Render the invoices' PDFs and store them the way "Send & Print" does (as each
        invoice's ``invoice_pdf_report_file``), so that the next reminder reuses them.

        One report call renders them all; a wkhtmltopdf without patched Qt (Debian's) cannot
        render several documents in one run, so there it is one call per invoice.
        """
        report = self.env.ref("account.account_invoices")
        Report = self.env["ir.actions.report"].sudo().with_company(invoices.company_id[:1])
        batches = [invoices] if _wkhtml().is_patched_qt else list(invoices)
        attachments = []
        for batch in batches:
            content, report_type = Report._pre_render_qweb_pdf(report.report_name, res_ids=batch.ids)
            content_by_id = Report._get_splitted_report(report.report_name, content, report_type)
            attachments += [
                {
                    "name": invoice._get_invoice_report_filename(report=report),
                    "raw": content_by_id[invoice.id],
                    "mimetype": "application/pdf",
                    "res_model": "account.move",
                    "res_id": invoice.id,
                    "res_field": "invoice_pdf_report_file",
                }
                for invoice in batch
                if content_by_id.get(invoice.id)
            ]
        self.env["ir.attachment"].sudo().create(attachments)
        invoices.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])

    @api.model
    def _send_sms(self, communications):
        if not communications:
            return
        default_template = self.env.ref("account_collection.sms_template_collection_reminder")
        sms_vals, ordered = [], []
        for level, comms in communications.grouped("level_id").items():
            template = level.sms_template_id or default_template
            bodies = template._render_field("body", comms.ids, compute_lang=True)
            ordered += comms
            sms_vals += [
                {
                    "number": comm.partner_id.phone_sanitized or comm.partner_id.phone,
                    "partner_id": comm.partner_id.id,
                    "body": bodies[comm.id],
                }
                for comm in comms
            ]
        sms = self.env["sms.sms"].sudo().create(sms_vals)
        self._link(ordered, "sms_id", sms.ids)
        communications.sms_state = "queued"

    @api.model
    def _create_activities(self, communications):
        if not communications:
            return
        call_type = self.env.ref("mail.mail_activity_data_call")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self)
        vals_list = []
        for comm in communications:
            summary = self._activity_note(comm)
            if comm.channel_call:
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": comm.partner_id.id,
                        "activity_type_id": call_type.id,
                        "summary": self.env._("Collections call: %(level)s", level=comm.level_id.name),
                        "note": (comm.level_id.call_script or Markup()) + summary,
                        "user_id": comm.user_id.id,
                        "date_deadline": deadline,
                    }
                )
            if comm.channel_alert:
                users = comm.user_id | comm.partner_id.user_id
                vals_list += [
                    {
                        "res_model_id": model_id,
                        "res_id": comm.partner_id.id,
                        "activity_type_id": todo_type.id,
                        "summary": self.env._("Collections alert: %(level)s", level=comm.level_id.name),
                        "note": Markup("<p>%s</p>") % (comm.level_id.alert_note or "") + summary,
                        "user_id": user.id,
                        "date_deadline": deadline,
                    }
                    for user in users
                ]
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    @api.model
    def _activity_note(self, comm):
        rows = Markup("").join(
            Markup("<li>%s: %s, %s</li>")
            % (
                line.move_id.name,
                line.currency_id.format(line.amount_residual_currency),
                self.env._("%(days)s days late", days=line.days_late),
            )
            for line in comm.line_ids
            if line.amount_residual > 0
        )
        return Markup("<ul>%s</ul>") % rows

    # ------------------------------------------------------------------------------------------
    # Preview
    # ------------------------------------------------------------------------------------------

    @api.model
    def _preview(self, company, partners):
        """What "Send now" would send to `partners`, without sending or recording anything.

        The communications are created and rendered exactly as for real, inside a savepoint that
        is then rolled back: the preview cannot drift from what is sent.
        """
        self = self.with_company(company)
        today = fields.Date.context_today(self)
        decisions = self._decide(company, today, partners=partners, manual=True)
        if not decisions:
            return []
        responsibles = self._responsibles(
            self.env["res.partner"].union(*(decision["partner"] for decision in decisions)), company
        )
        previews = []
        savepoint = self.env.cr.savepoint()
        try:
            comms = self.env["collection.communication"].create(
                [
                    self._prepare_communication_vals(
                        company, today, decision, True, responsibles[decision["partner"].id]
                    )
                    for decision in decisions
                ]
            )
            mail_default = self.env.ref("account_collection.mail_template_collection_reminder")
            sms_default = self.env.ref("account_collection.sms_template_collection_reminder")
            for level, group in comms.grouped("level_id").items():
                mail_template = level.mail_template_id or mail_default
                sms_template = level.sms_template_id or sms_default
                subjects = mail_template._render_field("subject", group.ids, compute_lang=True)
                bodies = mail_template._render_field("body_html", group.ids, compute_lang=True)
                texts = sms_template._render_field("body", group.ids, compute_lang=True)
                for comm in group:
                    previews.append(
                        {
                            "partner_id": comm.partner_id.id,
                            "level_id": level.id,
                            "channels": ", ".join(self._channel_labels(comm)),
                            "fallback_note": comm.fallback_note,
                            "amount_overdue": comm.amount_overdue,
                            "invoice_count": len(
                                comm.line_ids.filtered(lambda line: line.amount_residual > 0)
                            ),
                            "email_subject": comm.channel_email and subjects[comm.id],
                            "email_body": comm.channel_email and bodies[comm.id],
                            "sms_body": comm.channel_sms and texts[comm.id],
                        }
                    )
        finally:
            # Nothing of the preview stays: not the communications, not the cache.
            savepoint.close(rollback=True)

        return previews
