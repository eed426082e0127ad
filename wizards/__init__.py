from . import collection_pause
from . import collection_call
from . import collection_preview
