from . import collection_doubtful
from . import collection_provision_matrix
from . import collection_write_off
from . import collection_recovery
