from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import services
from claims.models import Claim, Figure
from sources.models import Affiliation, Source
from tests.conftest import decide, first_appearance, seed_claim, source, support


def test_karhout_supporting_a_haimour_figure_is_not_independent(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Sabah Karhout"))
    assert evidence.independence.independent is False
    assert evidence.independence.code == "same_organization"
    assert evidence.independence.reason == (
        "not independent: same organization tree as the speaker (Anbar provincial authorities)"
    )


def test_the_relayer_cannot_confirm_the_un_figure_it_relayed(displaced_114000, reviewer):
    evidence = support(displaced_114000, reviewer, source=source("Muhannad Haimour"))
    assert evidence.independence.code == "relayed_claim"
    assert "Muhannad Haimour relayed this claim (United Nations → Muhannad Haimour → Associated Press)" in (
        evidence.independence.reason
    )


def test_a_claim_that_reached_us_through_the_speaker_is_circular(killed_500, reviewer):
    un_count = services.record_claim(
        speaker=source("United Nations"),
        text="The UN counts at least 500 dead in Ramadi.",
        kind="figure",
        user=reviewer,
        appearances=[
            {
                "document": first_appearance(killed_500).document,
                "excerpt": "at least 500 people",
                "relayed_by": [source("Muhannad Haimour")],
            }
        ],
    )
    evidence = support(killed_500, reviewer, evidence_claim=un_count)
    assert evidence.independence.code == "circular"
    assert "its own chain passes through the speaker" in evidence.independence.reason


def test_the_speaker_cannot_confirm_itself(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Muhannad Haimour"))
    assert evidence.independence.reason == "not independent: same speaker as the claim (Muhannad Haimour)"


def test_wire_copy_of_the_same_report_counts_once(killed_500, reviewer):
    original = first_appearance(killed_500).document
    other_outlet = Source.objects.create(kind="outlet", name="Daily Republisher")
    copy = services.record_document(
        url="https://republisher.example/world/ramadi",
        outlet=other_outlet,
        title="Hundreds killed as Ramadi falls",
        text="Republished AP text.",
        republished_from=original,
    )
    evidence = support(killed_500, reviewer, document=copy)
    assert evidence.independence.code == "same_report"
    assert "wire copy counts once" in evidence.independence.reason


def test_identical_text_elsewhere_is_the_same_report_even_unlinked(killed_500, reviewer):
    original = first_appearance(killed_500).document
    copy = services.record_document(
        url="https://mirror.example/ramadi",
        outlet=Source.objects.create(kind="outlet", name="Mirror Daily"),
        title="Ramadi",
        text=original.text,
    )
    assert support(killed_500, reviewer, document=copy).independence.code == "same_report"


def test_a_hospital_director_in_ramadi_is_independent(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director, stated_on=date(2015, 5, 19))
    assert evidence.independence.independent is True
    assert evidence.independence.reason.startswith("independent of Muhannad Haimour")


def test_only_affiliations_at_the_time_tie_a_source_to_an_organization(killed_500, reviewer):
    former = Source.objects.create(kind="person", name="Former Councillor")
    former.affiliations.create(
        organization=source("Anbar provincial council"), role="member", end_date=date(2010, 12, 31)
    )
    evidence = support(killed_500, reviewer, source=former, stated_on=date(2015, 5, 19))
    assert evidence.independence.independent is True

    still_there = support(killed_500, reviewer, source=former, stated_on=date(2009, 1, 1))
    assert still_there.independence.code == "same_organization"


def test_an_outlet_that_carried_the_claim_cannot_confirm_it(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Associated Press"))
    assert evidence.independence.code == "relayed_claim"


def test_another_claim_by_an_independent_speaker_is_independent(killed_500, reviewer, hospital_director):
    count = Claim.objects.create(speaker=hospital_director, text="We received 480 bodies.", kind="figure")
    assert support(killed_500, reviewer, evidence_claim=count).independence.independent is True


def test_seed_karhout_statement_as_evidence_is_not_independent(killed_500, reviewer):
    karhout_claim = seed_claim("By late Sunday 17 May 2015 a large number")
    evidence = support(killed_500, reviewer, evidence_claim=karhout_claim)
    assert evidence.independence.code == "same_organization"


def test_independence_is_stored_with_the_evidence_for_fast_reads(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director)
    stored = type(evidence).objects.get(pk=evidence.pk)
    assert (stored.independent, stored.independence_code) == (True, "independent")
    assert stored.independence_reason == evidence.independence.reason


def test_an_affiliation_added_in_the_admin_rejudges_stored_independence(
    admin_client, killed_500, reviewer, hospital_director
):
    evidence = support(killed_500, reviewer, source=hospital_director)
    response = admin_client.post(
        "/admin/sources/affiliation/add/",
        {"person": hospital_director.pk, "organization": source("Anbar provincial government").pk, "role": "adviser"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.independent, evidence.independence_code) == (False, "same_organization")


def test_a_new_relay_chain_rejudges_the_evidence_it_touches(displaced_114000, reviewer, hospital_director):
    evidence = support(displaced_114000, reviewer, source=hospital_director)
    assert evidence.independent is True
    document = first_appearance(displaced_114000).document
    services.record_appearance(
        claim=displaced_114000, document=document, excerpt="at the height of the violence",
        relayed_by=[hospital_director], user=reviewer,
    )  # fmt: skip
    evidence.refresh_from_db()
    assert (evidence.independent, evidence.independence_code) == (False, "relayed_claim")


# Circular reporting through documents, unnamed speakers, and the three values of independence.


def probe_wire_article(killed_500, reviewer):
    """Another outlet's article that quotes Haimour himself on the toll, as the desk records it."""
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    text = "At least 500 people were killed in Ramadi, Anbar spokesman Muhannad Haimour told Probe Wire."
    document = services.record_document(
        url="https://probe.example/ramadi-toll", outlet=outlet, title="Ramadi toll passes 500", text=text
    )
    services.record_claim(
        speaker=killed_500.speaker,
        text="At least 500 people were killed in Ramadi.",
        kind="figure",
        said_on=killed_500.said_on,
        user=reviewer,
        appearances=[{"document": document, "excerpt": "At least 500 people were killed in Ramadi"}],
    )
    return document


def test_an_article_quoting_the_speaker_is_circular_not_independent(killed_500, reviewer):
    document = probe_wire_article(killed_500, reviewer)
    evidence = support(killed_500, reviewer, document=document)
    assert evidence.independent is False
    assert evidence.independence_code == "circular"
    assert evidence.independence_reason == (
        "not independent: circular: the Probe Wire article “Ramadi toll passes 500” quotes Muhannad Haimour"
    )
    with pytest.raises(ValidationError, match="quotes Muhannad Haimour"):
        services.propose_verdict(
            claim=killed_500, status="confirmed", rationale="Probe Wire agrees.", reviewer=reviewer
        )


def test_recording_the_speaker_in_an_already_cited_article_rejudges_it(killed_500, reviewer):
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    document = services.record_document(
        url="https://probe.example/later", outlet=outlet, title="Toll", text="Haimour said at least 500 died."
    )
    evidence = support(killed_500, reviewer, document=document)
    assert evidence.independent is None and evidence.independence_code == "unattributed_document"
    services.record_claim(
        speaker=killed_500.speaker,
        text="At least 500 died.",
        user=reviewer,
        appearances=[{"document": document, "excerpt": "at least 500 died"}],
    )
    evidence.refresh_from_db()
    assert evidence.independence_code == "circular"
    assert evidence.history.first().history_change_reason == "independence rejudged"


def test_a_document_nobody_attributed_is_unknown_and_says_what_would_settle_it(killed_500, reviewer):
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    document = services.record_document(url="https://probe.example/x", outlet=outlet, title="Toll", text="500 died.")
    evidence = support(killed_500, reviewer, document=document)
    assert evidence.independent is None
    assert "say whether it is the outlet's own reporting or name the source it quotes" in evidence.independence_reason
    with pytest.raises(ValidationError) as refused:
        services.propose_verdict(claim=killed_500, status="confirmed", rationale="It says so.", reviewer=reviewer)
    assert "independence unknown" in str(refused.value)


def test_a_document_named_as_its_outlets_own_reporting_is_independent(killed_500, reviewer):
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    document = services.record_document(url="https://probe.example/y", outlet=outlet, title="Toll", text="We counted.")
    evidence = support(killed_500, reviewer, document=document, attributed_to=outlet)
    assert evidence.independent is True
    quoting = support(killed_500, reviewer, document=document, attributed_to=source("Sabah Karhout"))
    assert quoting.independence_code == "same_organization"
    assert "attributes it to Sabah Karhout" in quoting.independence_reason


def test_unnamed_officials_in_the_same_report_are_dependent_on_it(killed_500, reviewer):
    officials = seed_claim("Four nearly simultaneous bombings")
    evidence = support(killed_500, reviewer, evidence_claim=officials)
    assert evidence.independent is False
    assert evidence.independence_code == "same_report"
    assert "officials are quoted in the same report as the claim" in evidence.independence_reason
    with pytest.raises(ValidationError, match="same report"):
        services.propose_verdict(claim=killed_500, status="confirmed", rationale="Officials agree.", reviewer=reviewer)


def test_unnamed_officials_without_an_organization_are_unknown(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("officials"), stated_on=date(2015, 5, 18))
    assert evidence.independent is None
    assert evidence.independence_code == "unknown_source"
    with pytest.raises(ValidationError) as refused:
        services.propose_verdict(claim=killed_500, status="confirmed", rationale="Officials agree.", reviewer=reviewer)
    assert "say whom “officials” work for" in str(refused.value)


def test_unnamed_officials_placed_in_the_speakers_tree_are_dependent(killed_500, reviewer):
    officials = source("officials")
    officials.affiliations.create(organization=source("Anbar provincial government"), role="officials")
    evidence = support(killed_500, reviewer, source=officials, stated_on=date(2015, 5, 18))
    assert evidence.independence_code == "same_organization"


def test_the_claims_own_report_cannot_confirm_it(killed_500, reviewer):
    report = first_appearance(killed_500).document
    evidence = support(killed_500, reviewer, document=report, attributed_to=report.outlet)
    assert evidence.independence_code == "same_report"
    assert "it is the claim's own report" in evidence.independence_reason


def test_a_chain_through_the_speakers_organization_is_circular(killed_500, reviewer, hospital_director):
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    document = services.record_document(
        url="https://probe.example/hospital", outlet=outlet, title="Hospital count", text="The hospital counted 500."
    )
    relayed = services.record_claim(
        speaker=hospital_director,
        text="The hospital counted 500 dead.",
        said_on=date(2015, 5, 18),
        user=reviewer,
        appearances=[
            {"document": document, "excerpt": "The hospital counted 500", "relayed_by": [source("Sabah Karhout")]}
        ],
    )
    evidence = support(killed_500, reviewer, evidence_claim=relayed)
    assert evidence.independence_code == "circular"
    assert "Ahmed Hospital-Director → Sabah Karhout → Probe Wire" in evidence.independence_reason


def test_rejudging_after_an_affiliation_change_writes_history_per_item(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director, stated_on=date(2015, 5, 19))
    before = evidence.history.count()
    hospital_director.affiliations.create(organization=source("Anbar provincial government"), role="adviser")
    assert services.refresh_independence_around(sources=[hospital_director]) == 1
    evidence.refresh_from_db()
    assert evidence.independent is False
    assert evidence.history.count() == before + 1
    assert evidence.history.first().independence_code == "same_organization"


def test_reassessing_lists_a_confirmation_that_no_longer_stands_without_changing_it(
    killed_500, reviewer, hospital_director
):
    from io import StringIO

    from django.core.management import call_command

    support(killed_500, reviewer, source=hospital_director, stated_on=date(2015, 5, 19))
    decide(killed_500, reviewer, "confirmed")
    # A change made around the services (an old import, a raw edit): the director was Anbar's.
    Affiliation.objects.create(
        person=hospital_director, organization=source("Anbar provincial government"), role="adviser"
    )
    out = StringIO()
    call_command("reassess_independence", stdout=out, stderr=StringIO())
    killed_500.refresh_from_db()
    assert killed_500.status == "confirmed"
    assert killed_500.review_reason.startswith("Published confirmed no longer stands: Cannot confirm")
    assert killed_500 in Claim.objects.flagged_for_review()
    assert f"claim {killed_500.pk} (confirmed)" in out.getvalue()
    assert "1 published verdict(s) no longer stand" in out.getvalue()

    support(killed_500, reviewer, source=Source.objects.create(kind="organization", name="Red Crescent"))
    decide(killed_500, reviewer, "confirmed", rationale="The Red Crescent's count matches.")
    killed_500.refresh_from_db()
    assert killed_500.review_reason == ""


def test_a_figure_cannot_supersede_one_said_later(killed_500, reviewer):
    earlier = services.record_claim(
        speaker=killed_500.speaker, text="At least 300 killed.", kind="figure", said_on=date(2015, 5, 20),
        user=reviewer,
    )  # fmt: skip
    figure = Figure(claim=killed_500, metric="killed", qualifier="at_least", low=600)
    figure.supersedes = services.save_figure(
        figure=Figure(claim=earlier, metric="killed", qualifier="at_least", low=300), user=reviewer
    )
    with pytest.raises(ValidationError) as refused:
        services.save_figure(figure=figure, user=reviewer)
    assert refused.value.message_dict["supersedes"] == [
        "A figure said on 2015-05-18 cannot supersede one said later, on 2015-05-20."
    ]


def test_the_api_and_claimreview_point_a_superseded_figure_at_its_successor(api, killed_500, reviewer):
    earlier_figure = killed_500.figures.get()
    later = services.record_claim(
        speaker=killed_500.speaker, text="At least 600 killed.", kind="figure", said_on=date(2015, 5, 19),
        user=reviewer,
        figures=[{"metric": "killed", "qualifier": "at_least", "low": 600, "supersedes": earlier_figure}],
    )  # fmt: skip
    successor = later.figures.get()
    body = api.get(f"/api/v1/claims/{killed_500.pk}/").json()
    assert body["figures"][0]["superseded_by"] == successor.pk
    assert api.get(f"/api/v1/claims/{later.pk}/").json()["figures"][0]["supersedes"] == earlier_figure.pk

    decide(killed_500, reviewer, "unconfirmed", rationale="Rests on Haimour alone.")
    review = api.get(f"/api/v1/claims/{killed_500.pk}/claimreview/").json()
    assert review["itemReviewed"]["supersededBy"] == [
        {"@type": "Claim", "url": f"http://testserver/api/v1/claims/{later.pk}/"}
    ]


# Property: whatever the organization trees, chains and documents, a claim is never confirmed
# when every path its support rests on reaches the speaker, the speaker's tree or an unknown source.

BAD_PATHS = st.sampled_from(
    [
        "speaker_statement",
        "tree_member_statement",
        "tree_organization_statement",
        "unnamed_statement",
        "claim_relayed_by_speaker",
        "claim_relayed_by_tree_member",
        "claim_by_unnamed",
        "document_quoting_speaker",
        "document_quoting_tree_member",
        "document_quoting_unnamed",
        "document_attributed_to_tree_member",
        "document_attributed_to_unnamed",
        "document_unattributed",
    ]
)


@st.composite
def scenarios(draw):
    organizations = draw(st.integers(min_value=1, max_value=6))
    parents = [None] + [draw(st.none() | st.integers(min_value=0, max_value=i - 1)) for i in range(1, organizations)]
    speaker_in = draw(st.sets(st.integers(min_value=0, max_value=organizations - 1), min_size=1, max_size=2))
    paths = draw(st.lists(BAD_PATHS, min_size=1, max_size=4))
    member_of = draw(st.lists(st.integers(min_value=0, max_value=organizations - 1), min_size=4, max_size=4))
    return parents, speaker_in, paths, member_of, draw(st.booleans())


def _root(parents, index):
    while parents[index] is not None:
        index = parents[index]
    return index


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(scenario=scenarios())
def test_a_claim_is_never_confirmed_when_every_support_path_leads_back(db, reviewer, scenario):
    parents, speaker_in, paths, member_of, with_clean_support = scenario
    savepoint = transaction.savepoint()
    try:
        _check_scenario(reviewer, parents, speaker_in, paths, member_of, with_clean_support)
    finally:
        transaction.savepoint_rollback(savepoint)


def _check_scenario(reviewer, parents, speaker_in, paths, member_of, with_clean_support):
    said = date(2020, 1, 10)
    orgs = []
    for index, parent in enumerate(parents):
        orgs.append(
            Source.objects.create(
                kind="organization", name=f"Org {index}", parent=orgs[parent] if parent is not None else None
            )
        )
    speaker = Source.objects.create(kind="person", name="The Speaker")
    for index in speaker_in:
        speaker.affiliations.create(organization=orgs[index], role="spokesperson")
    speaker_roots = {_root(parents, i) for i in speaker_in}
    in_tree = [i for i in range(len(orgs)) if _root(parents, i) in speaker_roots]

    def tree_member(n):
        person = Source.objects.create(kind="person", name=f"Colleague {n}")
        person.affiliations.create(organization=orgs[in_tree[member_of[n % 4] % len(in_tree)]], role="official")
        return person

    def unnamed(n):
        return Source.objects.create(kind="unnamed", name=f"sources {n}")

    outlets = iter(Source.objects.create(kind="outlet", name=f"Outlet {n}") for n in range(100))

    def document(n, text="Something was said here."):
        return services.record_document(
            url=f"https://outlet.example/{n}", outlet=next(outlets), title=f"Article {n}", text=text
        )

    claim = services.record_claim(
        speaker=speaker,
        text="Something happened.",
        said_on=said,
        user=reviewer,
        appearances=[{"document": document("claim"), "excerpt": "Something was said"}],
    )

    for n, kind in enumerate(paths):
        basis = {}
        if kind == "speaker_statement":
            basis = {"source": speaker}
        elif kind == "tree_member_statement":
            basis = {"source": tree_member(n)}
        elif kind == "tree_organization_statement":
            basis = {"source": orgs[in_tree[member_of[n % 4] % len(in_tree)]]}
        elif kind == "unnamed_statement":
            basis = {"source": unnamed(n)}
        elif kind.startswith("claim_"):
            carrier = {"claim_relayed_by_speaker": speaker, "claim_relayed_by_tree_member": tree_member(n)}.get(kind)
            origin = unnamed(n) if kind == "claim_by_unnamed" else Source.objects.create(kind="person", name=f"W{n}")
            cited = services.record_claim(
                speaker=origin,
                text=f"Something happened, says {origin}.",
                said_on=said,
                user=reviewer,
                appearances=[
                    {
                        "document": document(n),
                        "excerpt": "Something was said",
                        "relayed_by": [carrier] if carrier else [],
                    }
                ],
            )
            basis = {"evidence_claim": cited}
        else:
            article = document(n)
            role = kind.rsplit("_", 1)[-1]
            rests_on = {"speaker": lambda n: speaker, "member": tree_member, "unnamed": unnamed}.get(role)
            if "quoting" in kind:
                services.record_claim(
                    speaker=rests_on(n),
                    text=f"Quoted {n}.",
                    said_on=said,
                    user=reviewer,
                    appearances=[{"document": article, "excerpt": "Something was said"}],
                )
            attributed = rests_on(n) if "_attributed_to_" in kind else None
            basis = {"document": article, "attributed_to": attributed}
        evidence = support(claim, reviewer, **basis)
        assert evidence.independent is not True, (kind, evidence.independence_reason)

    with pytest.raises(ValidationError):
        services.propose_verdict(claim=claim, status="confirmed", rationale="Agreed.", reviewer=reviewer)

    if with_clean_support:  # the control: one path that does not lead back, and confirming is allowed
        outsider = Source.objects.create(kind="organization", name="Outsider")
        assert support(claim, reviewer, source=outsider, stated_on=said).independent is True
        services.propose_verdict(claim=claim, status="confirmed", rationale="The outsider agrees.", reviewer=reviewer)


def test_the_api_takes_whom_a_document_rests_on(client, killed_500):
    from tests.conftest import desk_member, key_acting_for

    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    document = services.record_document(url="https://probe.example/z", outlet=outlet, title="Toll", text="We counted.")
    header = key_acting_for(desk_member("rita", "Reviewer"), "desk")
    path = f"/api/v1/claims/{killed_500.pk}/evidence/"
    sent = {"stance": "supports", "note": "Probe Wire counted.", "document": document.pk}
    unattributed = client.post(path, sent, content_type="application/json", HTTP_AUTHORIZATION=header)
    assert unattributed.status_code == 201
    assert unattributed.json()["independent"] is None
    assert unattributed.json()["independence_code"] == "unattributed_document"
    own = client.post(
        path, {**sent, "attributed_to": outlet.pk}, content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert own.status_code == 201 and own.json()["independent"] is True
    refused = client.post(
        path,
        {**sent, "document": None, "source": outlet.pk, "attributed_to": outlet.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert refused.status_code == 400


def test_the_queue_filters_claims_whose_verdict_no_longer_stands(admin_client, killed_500, reviewer):
    services.flag_for_review(claim=killed_500, reason="Published confirmed no longer stands: test.")
    page = admin_client.get("/admin/claims/claim/?back_in_queue=yes").content.decode()
    assert "Islamic State militants killed at least 500" in page
    assert "About 8,000 people fled Ramadi" not in page
