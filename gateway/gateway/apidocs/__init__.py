"""One OpenAPI document for the whole public API, one AsyncAPI document for the events."""
