"""The sla service: business-hours clocks, warnings, breaches and every timer."""
