"""Use cases of the sla service, one transaction each (the caller commits)."""
