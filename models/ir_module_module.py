from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        res = super()._load_module_terms(modules, langs, overwrite=overwrite)
        # The shipped texts of the levels come from the addon's code translations: a language
        # loaded after the levels were created gets them too, where the texts are still the
        # shipped ones (an administrator's own text is left alone).
        if "account_collection" in modules and "collection.level" in self.env:
            levels = (
                self.env["collection.level"]
                .with_context(active_test=False)
                .search([("policy_id", "!=", False)])
            )
            levels.filtered(lambda level: not level._texts_edited())._set_shipped_texts(
                [lang for lang in langs if lang != "en_US"]
            )
        return res
