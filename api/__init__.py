"""The hub's interfaces: REST (Django REST framework) and GraphQL (graphene-django)."""
