from lxml import etree

from odoo import models
from odoo.tools.lru import LRU

# Inline templates (a mail template's body) compiled once for all the emails of a run:
# {(database, source, compile keys): compiled functions}. Bounded: a few templates per language.
_COMPILED = LRU(128)


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _generate_code_uncached(self, template):
        """With ``collection_compile_once`` in the context (the autopilot's emails), an inline
        template compiles once per source and compile options, as Odoo caches the compiled code of
        a view by its id and the same options; Odoo itself compiles an inline template again for
        every email. The rendering itself is Odoo's: the output is the same."""
        if not isinstance(template, etree._Element) or not self.env.context.get("collection_compile_once"):
            return super()._generate_code_uncached(template)
        key = (
            self.env.cr.dbname,
            etree.tostring(template),
            tuple(self.env.context.get(name) or False for name in self._get_template_cache_keys()),
            self.env.context.get("raise_on_forbidden_code_for_model") or False,
        )
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = super()._generate_code_uncached(template)
        return compiled
