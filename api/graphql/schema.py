"""The hub's GraphQL schema: every app's Query and Mutation, composed here."""

import graphene
from graphene import relay

from api.graphql import agencies, contacts, facts, media


class Query(agencies.Query, contacts.Query, facts.Query, media.Query, graphene.ObjectType):
    node = relay.Node.Field()


class Mutation(
    agencies.Mutation, contacts.Mutation, facts.Mutation, media.Mutation, graphene.ObjectType
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
