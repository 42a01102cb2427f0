"""The cases service: the whole life of a case (sag)."""
