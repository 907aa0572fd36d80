"""Users, roles and memberships; register, log in, profile."""
