"""Agencies, regions, people and their roles, API clients, the contact directory, the policy."""
