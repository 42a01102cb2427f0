"""marshmallow schemas of the cases API: ``<Entity>Create / Patch / Read / QueryArgs``."""
