import io

from docutils.core import publish_string

from odoo.modules.module import Manifest
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestReadme(TransactionCase):
    def test_description_renders_without_docutils_warnings(self):
        # Odoo renders the README as the module's description (Apps) and checks it at install:
        # docutils warnings are printed into the install log.
        module = self.env["ir.module.module"].search([("name", "=", "account_collection")])
        self.assertTrue(module.description_html)
        warnings = io.StringIO()
        publish_string(
            source=Manifest.for_addon("account_collection").description,
            writer_name="html",
            settings_overrides={"warning_stream": warnings, "report_level": 2, "halt_level": 5},
        )
        self.assertEqual(warnings.getvalue(), "")
