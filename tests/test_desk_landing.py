"""The admin opens on the desk's queues, with Claims first and the plumbing out of sight."""

import re

from claims import services
from claims.models import Claim, Verdict
from tests.conftest import decide, seed_claim


def test_the_landing_page_counts_what_waits_for_whom(admin_client, reviewer, seed):
    claim = seed_claim("Islamic State militants killed at least 500")
    services.assign_claim(claim=claim, assignee=reviewer, by=reviewer)
    services.propose_verdict(claim=claim, status="unconfirmed", rationale="Alone so far.", reviewer=reviewer)
    decide(seed_claim("As many as 114,000"), reviewer, "unconfirmed")
    page = admin_client.get("/admin/").content.decode()
    queues = dict(
        re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th><td class="desk-count">([^<]+)</td>', page)
    )
    assert queues == {
        "Unreviewed claims": str(Claim.objects.filter(status="unreviewed").count()),
        "Assigned to me": "1",
        "Verdicts awaiting publication": "1",
        "Published this week": str(Verdict.objects.published().count()),
        "Candidates from intake": "0",
    }
    assert 'href="/admin/claims/claim/?assigned=me"' in page
    assert 'href="/admin/claims/verdict/?published=no"' in page


def test_every_queue_link_opens_the_list_it_counts(admin_client, reviewer, seed):
    page = admin_client.get("/admin/").content.decode()
    for url in re.findall(r'<th scope="row"><a href="([^"]+)">', page):
        assert admin_client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_claims_come_first_and_chain_links_and_appearances_leave_the_top_level(admin_client, seed):
    page = admin_client.get("/admin/").content.decode()
    apps = re.findall(r'<caption>\s*<a href="/admin/(\w+)/"', page)
    assert apps[0] == "claims"
    models = re.findall(r'<th scope="row" id="claims-(\w+)"', page)
    assert models[:3] == ["claim", "verdict", "candidate"]
    assert "chainlink" not in models and "appearance" not in models
    assert admin_client.get("/admin/claims/appearance/").status_code == 200  # still reachable from a claim


def test_the_site_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/admin/"
