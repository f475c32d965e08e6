"""Administration and the registry: the unit tree, accounts and their register (备案) with its lifecycle,
outsourced operators, users, roles, authentication, demo data.

May import: reviewer.admin, reviewer.registry, reviewer.calendar, reviewer.audit, reviewer.storage, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""
