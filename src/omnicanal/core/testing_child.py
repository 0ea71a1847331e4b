"""What the fork server of core.testing's child processes imports before it forks any child: Django
set up once from the environment it was started with (the children's: core.testing._context), so
that a child starts at once instead of setting Django up again (about 4 s of CPU each).

No database connection may be open here: a forked child would share its socket. None is opened by
the setup; closed anyway, before the first fork.
"""

import django

django.setup()

from django.db import connections  # noqa: E402

connections.close_all()
