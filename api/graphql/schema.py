"""The hub's GraphQL schema: every app's Query and Mutation, composed here."""

import graphene
from graphene import relay

from api.graphql import agencies


class Query(agencies.Query, graphene.ObjectType):
    node = relay.Node.Field()


class Mutation(agencies.Mutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
