from . import collection_pause
from . import collection_call
from . import collection_preview

# The mixin comes before the wizards that inherit it.
from . import collection_entry_preview
from . import collection_doubtful
from . import collection_provision_matrix
from . import collection_write_off
from . import collection_recovery
from . import collection_handover_entry
from . import collection_charge
from . import collection_claim_waive
from . import collection_payment_plan_create
from . import collection_call_payment_plan
from . import collection_payment_plan_create_fee
