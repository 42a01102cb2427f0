"""The gateway: identity, access, routing to the services, API documentation and the web front end."""
