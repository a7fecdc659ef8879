"""A claim's chain as W3C PROV-O in JSON-LD, read back by a JSON-LD processor (rdflib)."""

import io
import json

import pytest
from django.core.management import call_command
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from claims.models import Claim
from tests.conftest import decide, source

PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
OWL_SAME_AS = URIRef("http://www.w3.org/2002/07/owl#sameAs")


def parsed(body) -> Graph:
    graph = Graph()
    graph.parse(data=json.dumps(body) if not isinstance(body, str) else body, format="json-ld")
    return graph


def chain_of(graph: Graph, claim: URIRef) -> list[tuple[str, str]]:
    """(agent name, role) of each qualified attribution of the claim, in their order."""
    links = []
    for attribution in graph.objects(claim, PROV.qualifiedAttribution):
        agent = graph.value(attribution, PROV.agent)
        role = graph.value(graph.value(attribution, PROV.hadRole), SCHEMA.name)
        position = graph.value(attribution, SCHEMA.position).toPython()
        links.append((position, str(graph.value(agent, SCHEMA.name)), str(role)))
    return [(name, role) for _, name, role in sorted(links)]


def test_the_114000_claim_keeps_its_chain_un_haimour_ap_in_order(api, displaced_114000):
    response = api.get(f"/api/v1/claims/{displaced_114000.pk}/provenance/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    graph = parsed(response.content.decode())
    claim = URIRef(f"http://testserver/api/v1/claims/{displaced_114000.pk}/")
    assert (claim, RDF.type, PROV.Entity) in graph
    chain = chain_of(graph, claim)
    assert [name for name, _ in chain] == ["United Nations", "Muhannad Haimour", "Associated Press"]
    assert [role.split(" ")[0] for _, role in chain] == ["speaker", "relay", "outlet"]
    assert "spokesman" in chain[1][1]
    speaker = graph.value(claim, PROV.wasAttributedTo)
    assert graph.value(speaker, SCHEMA.name) == Literal("United Nations")
    article = graph.value(claim, PROV.wasQuotedFrom)
    assert str(article).startswith("https://seed.invalid/ap/") and (article, RDF.type, PROV.Entity) in graph
    quotation = graph.value(claim, PROV.qualifiedQuotation)
    assert "114,000" in str(graph.value(quotation, PROV.value))
    figure = next(graph.subjects(SCHEMA.isPartOf, claim))
    assert graph.value(figure, SCHEMA.maxValue).toPython() == 114000
    for agent in set(graph.subjects(RDF.type, PROV.Agent)):
        assert graph.value(agent, SCHEMA.name), agent  # every agent has a name


def test_the_speaker_acts_on_behalf_of_the_organization_and_the_verdict_is_an_activity(api, killed_500, reviewer):
    anbar = source("Anbar provincial government")
    anbar.wikidata_qid = "Q4751419"
    anbar.save()
    decide(killed_500, reviewer, "unconfirmed", "Rests on the provincial spokesman alone.")
    graph = parsed(api.get(f"/api/v1/claims/{killed_500.pk}/provenance/").content.decode())
    claim = URIRef(f"http://testserver/api/v1/claims/{killed_500.pk}/")
    speaker = graph.value(claim, PROV.wasAttributedTo)
    organization = graph.value(speaker, PROV.actedOnBehalfOf)
    assert graph.value(organization, SCHEMA.name) == Literal("Anbar provincial government")
    assert (organization, OWL_SAME_AS, URIRef("http://www.wikidata.org/entity/Q4751419")) in graph
    delegation = graph.value(speaker, PROV.qualifiedDelegation)
    assert graph.value(graph.value(delegation, PROV.hadRole), SCHEMA.name) == Literal("spokesman")
    activity = next(graph.subjects(RDF.type, PROV.Activity))
    status = graph.value(activity, PROV.generated)
    assert str(graph.value(status, SCHEMA.name)).startswith("Unconfirmed")
    assert graph.value(activity, PROV.endedAtTime) is not None
    editor = graph.value(activity, PROV.wasAssociatedWith)
    assert graph.value(editor, SCHEMA.name) == Literal("an editor")  # no full name given: no login name either


@pytest.mark.parametrize("claim_id", ["999999", "99999999999999999999"])
def test_an_unknown_claim_is_a_json_404(api, seed, claim_id):
    response = api.get(f"/api/v1/claims/{claim_id}/provenance/")
    assert response.status_code == 404 and "detail" in response.json()


def test_an_unknown_format_is_refused_naming_the_ones_there_are(api, killed_500):
    response = api.get(f"/api/v1/claims/{killed_500.pk}/provenance/", {"format": "turtle"})
    assert response.status_code in (400, 406)
    assert "jsonld" in json.dumps(response.json())


def test_export_provenance_streams_one_document_per_claim(seed, capsys):
    out = io.StringIO()
    call_command("export_provenance", "--base-url", "https://desk.example", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == Claim.objects.count()
    graph = Graph()
    for line in lines:
        graph.parse(data=line, format="json-ld")
    claims = set(graph.subjects(RDF.type, SCHEMA.Claim))
    assert len(claims) == Claim.objects.count()
    assert all(str(c).startswith("https://desk.example/api/v1/claims/") for c in claims)
    assert "claims" in capsys.readouterr().err  # progress on stderr


def test_a_figure_that_supersedes_another_is_its_revision(api, seed, reviewer):
    from claims import services
    from claims.models import Figure

    earlier = Claim.objects.get(text__startswith="Islamic State militants killed at least 500")
    later = services.record_claim(
        speaker=earlier.speaker, text="At least 600 were killed.", kind="figure", user=reviewer,
        said_on=earlier.said_on, figures=[{"metric": "killed", "qualifier": "at_least", "low": 600,
                                          "supersedes": earlier.figures.get()}],
    )  # fmt: skip
    graph = parsed(api.get(f"/api/v1/claims/{later.pk}/provenance/").content.decode())
    figure = Figure.objects.get(claim=later)
    node = URIRef(f"http://testserver/api/v1/claims/{later.pk}/#figure-{figure.pk}")
    revised = graph.value(node, PROV.wasRevisionOf)
    assert str(revised) == f"http://testserver/api/v1/claims/{earlier.pk}/#figure-{figure.supersedes_id}"
