from . import collection_policy
from . import collection_level
from . import res_company
from . import res_config_settings
from . import res_partner
