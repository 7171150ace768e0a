"""The programme's rules for persons and cover, as pure functions (no database, no clock).

persons.py: ID numbers and roster rows; cover.py: scheme years, cover windows and premiums.
"""

from .cover import *  # noqa: F401,F403
from .persons import *  # noqa: F401,F403
