from . import test_install
from . import test_autopilot
from . import test_tour
from . import test_cockpit
from . import test_provision
from . import test_write_off
from . import test_letters
from . import test_integrity
