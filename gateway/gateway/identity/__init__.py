"""The identity store: organisations, users and teams, and the events that tell the services of them."""
