from . import test_install
from . import test_autopilot
from . import test_tour
from . import test_letters
