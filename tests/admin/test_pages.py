"""The admin pages as the server renders them: ids, labels, search, history, escaping."""

import re
from html.parser import HTMLParser

from licensing.admin.queries import SEARCH_LIMIT
from licensing.models import Customer
from tests.admin.conftest import ADMIN_EMAIL, csrf_token
from tests.support import unique_email

FORM_IDS = ("email", "organization", "contactName", "sku", "users", "isTrial", "startsAt",
            "expiresAt", "customer-card", "confirm-repeat-trial", "submit")
XSS = "<img src=x onerror=alert(1)>"


class Inventory(HTMLParser):
    """Element ids, label targets, form controls and script tags of a page."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.labels, self.controls, self.scripts, self.inline = set(), set(), [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id"))
        if tag == "script":
            self.scripts.append(attrs.get("src"))
        self.inline += [name for name in attrs if name.startswith("on") or name == "style"]


def issue(client, auth, **fields):
    body = {"sku": "E20", "users": 50, "expiresAt": "2030-01-31", **fields}
    response = client.post("/api/v1/license", json=body, headers=auth)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def new_customer(**fields):
    return {"email": unique_email(), "organization": "Acme Logistics",
            "contactName": "Rita Moreno", **fields}


def test_form_has_every_contract_id_and_a_label_for_every_control(signed_in):
    page = Inventory(signed_in.get("/admin/licenses/new").get_data(as_text=True))
    assert set(FORM_IDS) <= page.ids
    assert page.controls and all(control in page.labels for control in page.controls)
    assert page.scripts == ["/static/admin/form.js"]  # one static file, nothing inline
    assert page.inline == []


def test_every_page_has_labelled_controls_and_no_inline_script_or_style(signed_in, auth):
    issued = issue(signed_in, auth, **new_customer())
    for path in ("/login", "/admin/customers?q=acme", f"/admin/licenses/{issued['id']}",
                 f"/admin/customers/{issued['customer']['id']}", "/admin/audit"):
        page = Inventory(signed_in.get(path).get_data(as_text=True))
        assert all(control in page.labels for control in page.controls), path
        assert page.inline == [] and all(page.scripts), path


def test_form_prefills_the_email_from_the_address(signed_in):
    html = signed_in.get("/admin/licenses/new?email=ops%40acme.example").get_data(as_text=True)
    assert 'value="ops@acme.example"' in html


def test_license_page_shows_the_license_its_download_and_issue_new_license(signed_in, auth):
    issued = issue(signed_in, auth, **new_customer(), isTrial=True)
    html = signed_in.get(f"/admin/licenses/{issued['id']}").get_data(as_text=True)
    assert "Acme Logistics" in html and "Rita Moreno" in html and "Enterprise E20" in html
    assert "Trial" in html and issued["startsAt"][:10] in html
    assert re.search(r'id="issue-new-license"[^>]*href="/admin/licenses/new"', html)
    download = f'href="/api/v1/licenses/{issued["id"]}/file"'
    assert download in html
    file = signed_in.get(f"/api/v1/licenses/{issued['id']}/file")  # the session opens it
    assert file.status_code == 200 and file.get_data(as_text=True) == issued["license"]


def test_customer_page_lists_full_history_newest_first(signed_in, auth):
    customer = new_customer()
    ids = [issue(signed_in, auth, **customer, users=n)["id"] for n in (10, 20, 30)]
    customer_id = issue(signed_in, auth, email=customer["email"], users=40)["customer"]["id"]
    html = signed_in.get(f"/admin/customers/{customer_id}").get_data(as_text=True)
    positions = [html.index(f"/admin/licenses/{license_id}") for license_id in ids]
    assert positions == sorted(positions, reverse=True)
    link = re.search(r'id="issue-new-license"[^>]*href="([^"]+)"', html).group(1)
    assert link == f"/admin/licenses/new?email={customer['email']}"
    form = signed_in.get(link).get_data(as_text=True)
    assert f'value="{customer["email"]}"' in form


def test_search_by_email_follows_the_email_rule(signed_in, auth):
    customer = new_customer(organization="Northwind Traders")
    issue(signed_in, auth, **customer)
    html = signed_in.get("/admin/customers", query_string={
        "q": f"  {customer['email'].upper()} "}).get_data(as_text=True)
    assert "Northwind Traders" in html and 'id="customer-results"' in html


def test_search_by_organization_is_a_case_insensitive_substring(signed_in, auth):
    issue(signed_in, auth, **new_customer(organization="Northwind Traders"))
    issue(signed_in, auth, **new_customer(organization="Southwind Ltd"))
    html = signed_in.get("/admin/customers?q=WIND").get_data(as_text=True)
    assert "Northwind Traders" in html and "Southwind Ltd" in html
    html = signed_in.get("/admin/customers?q=north").get_data(as_text=True)
    assert "Northwind Traders" in html and "Southwind Ltd" not in html


def test_search_treats_wildcards_as_text(signed_in, auth):
    issue(signed_in, auth, **new_customer(organization="Plain Org"))
    for query in ("%", "_", "\\"):
        html = signed_in.get("/admin/customers", query_string={"q": query}).get_data(as_text=True)
        assert "Plain Org" not in html and 'id="no-results"' in html, query


def test_search_shows_a_bounded_number_of_results(signed_in, db):
    db.session.add_all(
        Customer(email=f"c{n}@bulk.example", email_normalized=f"c{n}@bulk.example",
                 organization=f"Bulk {n:03d}", contact_name="Bulk")
        for n in range(SEARCH_LIMIT + 1)
    )
    db.session.commit()
    html = signed_in.get("/admin/customers?q=bulk").get_data(as_text=True)
    assert html.count("/admin/customers/") == SEARCH_LIMIT
    assert 'id="more-results"' in html and "Bulk 049" in html and "Bulk 050" not in html


def test_unknown_and_malformed_ids_are_not_found_pages(signed_in):
    for path in ("/admin/licenses/" + "a" * 26, "/admin/licenses/x'; drop",
                 "/admin/customers/" + "b" * 26, "/admin/customers/" + "c" * 500):
        response = signed_in.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.get_data(as_text=True)


def test_a_script_looking_organization_is_shown_escaped_everywhere(signed_in, auth):
    issued = issue(signed_in, auth, **new_customer(organization=XSS, contactName=XSS))
    for path in (f"/admin/licenses/{issued['id']}", f"/admin/customers/{issued['customer']['id']}",
                 "/admin/customers?q=onerror", "/admin/audit"):
        html = signed_in.get(path).get_data(as_text=True)
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert "<img" not in html, path


def test_the_form_issues_through_the_api_with_the_session_and_its_csrf_token(signed_in):
    body = {**new_customer(), "sku": "E10", "users": 5, "expiresAt": "2030-01-31"}
    refused = signed_in.post("/api/v1/license", json=body)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    token = csrf_token(signed_in, "/admin/licenses/new")
    response = signed_in.post("/api/v1/license", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert response.get_json()["issuedBy"] == ADMIN_EMAIL
