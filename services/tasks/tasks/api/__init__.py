"""HTTP endpoints of the tasks service (flask-smorest), mounted at the public paths."""

from . import actions, tasks  # noqa: F401  (register their routes on the blueprint)
from .common import blp

BLUEPRINTS = [blp]
