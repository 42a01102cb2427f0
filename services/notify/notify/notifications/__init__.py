"""In-app notices and notification preferences of each user."""
