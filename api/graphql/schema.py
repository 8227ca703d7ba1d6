"""The hub's GraphQL schema: every app's Query and Mutation, composed here."""

import graphene
from graphene import relay
from graphql_relay import from_global_id

from api.graphql import agencies, contacts, facts, media


class NodeField(relay.node.NodeField):
    """``node(id:)``: null for an ID that names no object type of this schema.

    graphene raises on an ID it cannot decode; a relay client asking for a
    stale or mistyped ID expects null, as for an object that is gone.
    """

    def wrap_resolve(self, parent_resolver):
        def resolve(root, info, id):
            type_name, _ = from_global_id(id)
            found = info.schema.get_type(type_name) if type_name else None
            graphene_type = getattr(found, "graphene_type", None)
            if relay.Node not in getattr(getattr(graphene_type, "_meta", None), "interfaces", ()):
                return None
            return relay.Node.node_resolver(None, root, info, id)

        return resolve


class Query(agencies.Query, contacts.Query, facts.Query, media.Query, graphene.ObjectType):
    node = NodeField(relay.Node)


class Mutation(
    agencies.Mutation, contacts.Mutation, facts.Mutation, media.Mutation, graphene.ObjectType
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
