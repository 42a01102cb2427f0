"""The pages, one module per area (their routes register on ``web.blueprint.bp``)."""

from . import account, auth, case_actions, case_page, cases, home, notifications, search, stats, tasks  # noqa: F401
