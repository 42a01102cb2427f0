"""Use cases of the cases service: one function, one transaction (the caller commits)."""
