"""OASIS Common Alerting Protocol (CAP) 1.2 building blocks.

``hub.cap.xml`` builds and validates CAP 1.2 ``<alert>`` documents for crisis
and disaster bulletins; ``CAP-v1.2.xsd`` beside it is the CAP 1.2 schema
(targetNamespace ``urn:oasis:names:tc:emergency:cap:1.2``) used for
validation. Pure building blocks: no Django dependency.
"""
