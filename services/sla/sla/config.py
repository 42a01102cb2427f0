"""Settings of the sla service, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import fields, validate

from servicekit.config import ServiceConfig, Settings, load_settings


class SlaConfig(ServiceConfig):
    service_name = fields.String(data_key="SERVICE_NAME", load_default="sla")
    # Seconds a resolved case stays resolved before it closes by itself (seed 000: seven days).
    auto_close_after = fields.Integer(data_key="AUTO_CLOSE_AFTER", load_default=604_800,
                                      validate=validate.Range(min=1))
    # How often the scheduler looks for due timers when nothing is due sooner, and how many it fires at once.
    timer_poll_interval = fields.Float(data_key="TIMER_POLL_INTERVAL", load_default=1.0,
                                       validate=validate.Range(min=0.01, max=60))
    timer_batch_size = fields.Integer(data_key="TIMER_BATCH_SIZE", load_default=500,
                                      validate=validate.Range(min=1, max=10_000))
    # How many open clocks one transaction re-plans after a calendar or policy change.
    replan_batch_size = fields.Integer(data_key="REPLAN_BATCH_SIZE", load_default=250,
                                       validate=validate.Range(min=1, max=10_000))


def load(environ: Mapping[str, str] | None = None) -> Settings:
    return load_settings(SlaConfig, environ)
