"""Administration and the registry: the unit tree, accounts, users, roles, authentication, demo data.

May import: reviewer.admin, reviewer.audit, reviewer.storage, reviewer.permissions, reviewer.vocabulary, reviewer.errors, reviewer.config
"""
