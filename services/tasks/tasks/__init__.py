"""The tasks service: hand work to other teams as tasks (opgaver)."""
