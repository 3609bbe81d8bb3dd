"""Our PostgreSQL database backend (`ENGINE = "core.postgresql"`): see `base`."""

# A comment that keeps a query from being prepared: its plan must follow its values.
NOT_PREPARED = "/* not prepared */"
