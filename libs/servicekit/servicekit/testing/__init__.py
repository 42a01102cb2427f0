"""Test support shared by every service: real PostgreSQL and RabbitMQ, isolated per run."""
