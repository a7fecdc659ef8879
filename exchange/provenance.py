"""A claim's provenance as W3C PROV-O, in JSON-LD: who said it, who relayed it, which outlet
reported it and in which article, on whose behalf the speaker spoke, what each figure counts,
and which editor's published verdict gave it its status.

Every node's `@id` is a URL of the API (the claim, a source, a document's own URL), so exports
of several claims merge into one graph. The context is written into each answer (CONTEXT), so
a JSON-LD processor needs no network to read it.
"""

from django.urls import reverse

from claims.models import Claim, Status
from claims.rendering import iso_datetime
from sources.models import Source

PROV = "http://www.w3.org/ns/prov#"
CONTEXT = {
    "prov": PROV,
    "schema": "https://schema.org/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov:wasAttributedTo": {"@type": "@id"},
    "prov:wasQuotedFrom": {"@type": "@id"},
    "prov:wasDerivedFrom": {"@type": "@id"},
    "prov:actedOnBehalfOf": {"@type": "@id"},
    "prov:agent": {"@type": "@id"},
    "prov:entity": {"@type": "@id"},
    "prov:generated": {"@type": "@id"},
    "prov:wasGeneratedBy": {"@type": "@id"},
    "prov:wasAssociatedWith": {"@type": "@id"},
    "prov:wasInvalidatedBy": {"@type": "@id"},
    "prov:hadMember": {"@type": "@id"},
    "owl:sameAs": {"@type": "@id"},
    "schema:publisher": {"@type": "@id"},
    "schema:isPartOf": {"@type": "@id"},
    "prov:endedAtTime": {"@type": "xsd:dateTime"},
    "prov:generatedAtTime": {"@type": "xsd:dateTime"},
    "schema:datePublished": {"@type": "xsd:dateTime"},
    "schema:dateCreated": {"@type": "xsd:date"},
    "schema:position": {"@type": "xsd:integer"},
}
AGENT_TYPES = {
    Source.Kind.PERSON: ["prov:Agent", "prov:Person", "schema:Person"],
    Source.Kind.ORGANIZATION: ["prov:Agent", "prov:Organization", "schema:Organization"],
    Source.Kind.OUTLET: ["prov:Agent", "prov:Organization", "schema:NewsMediaOrganization"],
}


def provenance(claim: Claim, absolute) -> dict:
    """The claim's provenance document. `claim` comes from claims_for_rendering();
    `absolute(path)` makes a site path an absolute URL (request.build_absolute_uri)."""
    return {"@context": CONTEXT, "@graph": provenance_graph(claim, absolute)}


def provenance_graph(claim: Claim, absolute) -> list[dict]:
    graph = Graph(absolute)
    claim_id = absolute(reverse("api:claim-detail", args=[claim.pk]))
    speaker = graph.agent(claim.speaker)
    node = {
        "@id": claim_id,
        "@type": ["prov:Entity", "schema:Claim"],
        "schema:text": claim.text,
        "prov:wasAttributedTo": speaker,
    }
    if claim.quote:
        node["prov:value"] = claim.quote
    if claim.said_on:
        node["schema:dateCreated"] = claim.said_on.isoformat()
    if claim.described_as:
        node["schema:description"] = f"Described in the report as {claim.described_as}."
    affiliation = claim.speaker.role_on(claim.said_on)
    if affiliation is not None:  # the speaker spoke for the organization on that day
        graph.delegate(speaker, graph.agent(affiliation.organization), affiliation.role)
    appearances = list(claim.appearances.all())
    node["prov:wasQuotedFrom"] = list(dict.fromkeys(appearance.document.url for appearance in appearances))
    node["prov:qualifiedQuotation"] = [_quotation(appearance) for appearance in appearances]
    node["prov:qualifiedAttribution"] = [
        _attribution(graph.agent(link.source), _role(position, len(chain), link.role), position)
        for appearance in appearances[:1]
        for chain in [list(appearance.chain.all())]
        for position, link in enumerate(chain)
    ]
    for appearance in appearances:
        graph.document(appearance.document)
    graph.nodes.append(node)
    for figure in claim.figures.all():
        node = _figure(figure, claim_id, speaker)
        if figure.supersedes_id:  # the figure it replaces, in the claim that said it
            earlier = graph.absolute(reverse("api:claim-detail", args=[figure.supersedes.claim_id]))
            node["prov:wasRevisionOf"] = {"@id": f"{earlier}#figure-{figure.supersedes_id}"}
        graph.nodes.append(node)
    for verdict in claim.published_verdicts:
        graph.verdict(verdict, claim_id)
    return graph.nodes


class Graph:
    """The nodes of one export, each agent and document once."""

    def __init__(self, absolute):
        self.absolute = absolute
        self.nodes: list[dict] = []
        self.seen: dict[str, dict] = {}

    def _once(self, node: dict) -> str:
        if node["@id"] not in self.seen:
            self.seen[node["@id"]] = node
            self.nodes.append(node)
        return node["@id"]

    def agent(self, source: Source) -> str:
        node = {
            "@id": self.absolute(reverse("api:source-detail", args=[source.pk])),
            "@type": AGENT_TYPES.get(source.kind, ["prov:Agent"]),
            "schema:name": source.name,
        }
        if source.wikidata_qid:
            node["owl:sameAs"] = f"http://www.wikidata.org/entity/{source.wikidata_qid}"
        return self._once(node)

    def delegate(self, agent: str, organization: str, role: str) -> None:
        node = self.seen[agent]
        node["prov:actedOnBehalfOf"] = organization
        node["prov:qualifiedDelegation"] = {
            "@type": "prov:Delegation",
            "prov:agent": organization,
            "prov:hadRole": {"@type": "prov:Role", "schema:name": role or "member"},
        }

    def document(self, document) -> str:
        node = {
            "@id": document.url,
            "@type": ["prov:Entity", "schema:NewsArticle"],
            "schema:headline": document.title,
            "schema:publisher": self.agent(document.outlet),
            "prov:wasAttributedTo": self.agent(document.outlet),
        }
        if document.published_at:
            node["schema:datePublished"] = iso_datetime(document.published_at)
        return self._once(node)

    def verdict(self, verdict, claim_id: str) -> None:
        activity = f"{claim_id}#verdict-{verdict.pk}"
        status = f"{claim_id}#status-{verdict.pk}"
        editor = verdict.published_by
        self.nodes.append(
            {
                "@id": activity,
                "@type": ["prov:Activity", "schema:ReviewAction"],
                "schema:name": f"Verdict published: {verdict.get_status_display()}",
                "prov:used": {"@id": claim_id},
                "prov:generated": status,
                "prov:endedAtTime": iso_datetime(verdict.published_at),
                "prov:wasAssociatedWith": self._once(
                    {
                        "@id": f"{self.absolute('/')}#editor-{editor.pk}" if editor else f"{activity}-editor",
                        "@type": ["prov:Agent", "prov:Person"],
                        # A full name when the desk gave one; a login name is not for publishing.
                        "schema:name": (editor.get_full_name() if editor else "") or "an editor",
                    }
                ),
            }
        )
        self.nodes.append(
            {
                "@id": status,
                "@type": "prov:Entity",
                "schema:name": Status(verdict.status).label,
                "schema:description": verdict.rationale,
                "prov:wasGeneratedBy": activity,
                "prov:generatedAtTime": iso_datetime(verdict.published_at),
                "schema:about": {"@id": claim_id},
            }
        )


def _role(position: int, length: int, described: str) -> str:
    """Who each link of the chain is: the speaker first, the outlet last, relays between."""
    if position == 0:
        kind = "speaker"
    elif position == length - 1 and length > 1:
        kind = "outlet"
    else:
        kind = "relay"
    return f"{kind} ({described})" if described else kind


def _attribution(agent: str, role: str, position: int) -> dict:
    return {
        "@type": "prov:Attribution",
        "prov:agent": agent,
        "prov:hadRole": {"@type": "prov:Role", "schema:name": role},
        "schema:position": position,
    }


def _quotation(appearance) -> dict:
    return {"@type": "prov:Quotation", "prov:entity": appearance.document.url, "prov:value": appearance.excerpt}


def _figure(figure, claim_id: str, speaker: str) -> dict:
    node = {
        "@id": f"{claim_id}#figure-{figure.pk}",
        "@type": ["prov:Entity", "schema:QuantitativeValue"],
        "schema:isPartOf": claim_id,
        "prov:wasAttributedTo": speaker,
        "prov:value": figure.as_written,
        "schema:name": figure.metric,
        "schema:unitText": figure.currency or figure.unit,
        "schema:description": f"{figure.get_qualifier_display()}; counts "
        f"{figure.measure or figure.population or figure.unit}",
    }
    if figure.low is not None:
        node["schema:minValue"] = float(figure.low)
    if figure.high is not None:
        node["schema:maxValue"] = float(figure.high)
    return node
