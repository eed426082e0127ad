from . import collection_pause
from . import collection_call
from . import collection_preview

# The mixin comes before the wizards that inherit it.
from . import collection_entry_preview
from . import collection_doubtful
from . import collection_provision_matrix
from . import collection_write_off
from . import collection_recovery
