"""Our example documents (specs/examples/) run against local servers that play each API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from local_http import LocalServer, Reply, Seen

from arazzo_engine.executor import ManualClock, RunOptions, RunResult, run_workflow

EXAMPLES = Path(__file__).parents[2] / "specs/examples"


def _run(name: str, workflow: str, inputs: dict[str, Any], servers: dict[str, str]) -> RunResult:
    return run_workflow(EXAMPLES / name, workflow, inputs,
                        RunOptions(servers=servers, trust_env=False), clock=ManualClock())


def _form(seen: Seen) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}


@pytest.fixture
def petstore(server: LocalServer) -> LocalServer:
    orders: list[dict[str, Any]] = []

    def place(seen: Seen) -> Reply:
        orders.append(seen.json())
        return Reply(201, {"id": 500 + len(orders), **seen.json()})

    server.route("GET", "/api/pets/findByTags",
                 lambda s: [{"id": 7, "tags": s.query["tags"][0].split(",")}])
    server.route("GET", "/api/pets/findByStatus", lambda s: [{"id": 9, "query": s.raw_query}])
    server.route("GET", "/api/pets/(?P<id>\\d+)/coupons",
                 lambda s: {"couponCode": f"SAVE-{s.params['id']}"})
    server.route("POST", "/api/orders", place)
    server.route("GET", "/api/user/login", lambda s: Reply(
        200, "session-abc", {"X-Expires-After": "2030-01-01T00:00:00Z", "X-Rate-Limit": "100"}))
    server.route("GET", "/api/pets", lambda s: Reply(200, [{"id": 1, "name": "Rex"}])
                 if s.header("Authorization") == "Session session-abc" else Reply(401))
    server.orders = orders  # type: ignore[attr-defined]
    return server


def test_pet_coupons_order_with_coupon(petstore: LocalServer) -> None:
    result = _run("pet-coupons.arazzo.yaml", "order-with-coupon", {"tags": ["cat", "small"]},
                  {"petstore": petstore.url + "/api"})
    assert result.succeeded, result.error
    assert result.outputs == {"orderId": 501, "couponCode": "SAVE-7"}
    assert petstore.requests[0].raw_query == "tags=cat,small"
    assert petstore.orders == [  # type: ignore[attr-defined]
        {"petId": 7, "quantity": 1, "status": "placed"},
        {"orderId": 501, "couponCode": "SAVE-7"}]


def test_pet_coupons_buy_available_pet_with_reusable_parameters(petstore: LocalServer) -> None:
    result = _run("pet-coupons.arazzo.yaml", "buy-available-pet", {},
                  {"petstore": petstore.url + "/api"})
    assert result.succeeded, result.error
    assert result.outputs == {"orderId": 501}
    assert petstore.requests[0].raw_query == "status=available&page=1&pageSize=20"
    assert len(petstore.orders) == 1  # type: ignore[attr-defined]  # no coupon to apply


def test_login_and_retrieve_pets(petstore: LocalServer) -> None:
    result = _run("login-and-retrieve-pets.arazzo.yaml", None,
                  {"username": "ann", "password": "pa55word"},
                  {"petstore": petstore.url + "/api"})
    assert result.succeeded, result.error
    assert result.outputs == {"pets": [{"id": 1, "name": "Rex"}],
                              "expiresAfter": "2030-01-01T00:00:00Z"}
    assert "pa55word" not in json.dumps(result.to_dict())
    assert petstore.requests[0].query == {"username": ["ann"], "password": ["pa55word"]}


@pytest.fixture
def auth_server(server: LocalServer) -> LocalServer:
    def authorize(seen: Seen) -> Reply:
        if "request_uri" in seen.query:
            return Reply(200, {"code": "par-code"})
        target = f"{seen.query['redirect_uri'][0]}?code=code-123&state={seen.query['state'][0]}"
        return Reply(302, None, {"Location": target})

    def token(seen: Seen) -> Reply:
        form = _form(seen)
        grant = form.get("grant_type")
        if grant == "authorization_code" and "callback" in form:
            code = parse_qs(urlsplit(form["callback"]).query)["code"][0]
            return Reply(200, {"access_token": f"at-{code}", "refresh_token": "rt-1",
                               "token_type": "Bearer"})
        if grant == "authorization_code":
            return Reply(200, {"access_token": f"at-{form['code']}", "token_type": "Bearer",
                               "id_token": "id-1"})
        if grant == "refresh_token" and form.get("refresh_token") == "rt-1":
            return Reply(200, {"access_token": "at-refreshed", "expires_in": 3600})
        if grant == "client_credentials" and form.get("client_secret") == "s3cret":
            return Reply(200, {"access_token": "at-cc"})
        return Reply(400, {"error": "invalid_grant", "error_description": "bad grant"})

    server.route("GET", "/oauth/authorize", authorize)
    server.route("POST", "/oauth/token", token)
    server.route("POST", "/oauth/par", lambda s: Reply(201, {
        "request_uri": "urn:par:1", "expires_in": 60, "echo": _form(s), "query": s.raw_query}))
    return server


def test_oauth_refresh_token_flow(auth_server: LocalServer) -> None:
    result = _run("oauth.arazzo.yaml", "refresh-token-flow",
                  {"clientId": "app", "clientSecret": "s3cret",
                   "redirectUri": "https://app.example/cb"},
                  {"auth": auth_server.url + "/oauth"})
    assert result.succeeded, result.error
    assert result.outputs == {"accessToken": "at-refreshed", "expiresIn": 3600}
    assert [s.step_id for s in result.steps] == [
        "authorize", "exchangeCode", "authorizationCode", "refresh"]
    assert result.steps[0].status_code == 302  # the redirect is read, not followed
    assert [r.path for r in auth_server.requests] == [
        "/oauth/authorize", "/oauth/token", "/oauth/token"]


def test_oauth_client_credentials_with_a_wrong_secret_shows_the_error(
        auth_server: LocalServer) -> None:
    result = _run("oauth.arazzo.yaml", "client-credentials-flow",
                  {"clientId": "app", "clientSecret": "wrong"},
                  {"auth": auth_server.url + "/oauth"})
    assert not result.succeeded
    assert "bad grant" in result.error
    assert auth_server.requests[0].body == (
        b"grant_type=client_credentials&client_id=app&client_secret=wrong")


def test_fapi_par_authorization_code(auth_server: LocalServer) -> None:
    inputs = {"clientId": "tpp", "clientAssertion": {"iss": "tpp", "aud": "bank"},
              "parRequest": {"scope": "accounts", "code_challenge": "abc",
                             "redirect_uri": "https://tpp.example/cb"},
              "tokenRequest": {"code_verifier": "v", "redirect_uri": "https://tpp.example/cb"}}
    result = _run("fapi-par.arazzo.yaml", None, inputs, {"auth": auth_server.url + "/oauth"})
    assert result.succeeded, result.error
    assert result.outputs == {"accessToken": "at-par-code", "idToken": "id-1"}
    par = auth_server.requests[0]
    assert par.raw_query == (
        "client_id=tpp&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type"
        "%3Ajwt-bearer&client_assertion%5Biss%5D=tpp&client_assertion%5Baud%5D=bank")
    assert _form(par) == {"scope": "accounts", "code_challenge": "abc",
                          "redirect_uri": "https://tpp.example/cb", "response_type": "code",
                          "code_challenge_method": "S256"}
    assert _form(auth_server.requests[2]) == {
        "code_verifier": "v", "redirect_uri": "https://tpp.example/cb",
        "grant_type": "authorization_code", "code": "par-code"}


_CUSTOMER = {"firstName": "Ada", "lastName": "Lovelace", "postalCode": "N1"}
_PRODUCTS = [{"productCode": "P1", "amount": 120.0}]


def _bnpl(server: LocalServer, *, total: float = 120.0, eligible: bool = True) -> LocalServer:
    server.route("POST", "/bnpl/eligibility", lambda s: {
        "eligibilityCheckRequired": True, "totalAmount": total,
        "products": s.json()["products"] if total else []})
    server.route("GET", "/bnpl/terms", {"text": "Pay in 3."})
    server.route("POST", "/bnpl/customers", lambda s: Reply(
        201, {"links": {"self": "/customers/c1"}, **s.json()}) if eligible
        else Reply(200, {"eligible": False}))
    server.route("POST", "/bnpl/loans", lambda s: Reply(202, {
        "id": "L1", "redirectAuthToken": "rat", "customer": s.json()["customer"]}))
    server.route("GET", "/bnpl/authorize", None, status=302,
                 headers={"Location": "https://bnpl.example/consent?t=rat"})
    server.route("GET", "/bnpl/loans/L1", {"plan": [{"due": "2030-01-01", "amount": 40}]})
    server.route("PATCH", "/bnpl/loans/L1", None, status=204)
    return server


def test_bnpl_full_path(server: LocalServer) -> None:
    _bnpl(server)
    result = _run("bnpl.arazzo.yaml", None, {"customer": _CUSTOMER, "products": _PRODUCTS},
                  {"bnpl": server.url + "/bnpl"})
    assert result.succeeded, result.error
    assert [s.step_id for s in result.steps] == [
        "checkEligibility", "getTerms", "createCustomer", "createLoan", "authorizeLoan",
        "getPaymentPlan", "completeOrder"]
    assert result.outputs == {"plan": [{"due": "2030-01-01", "amount": 40}],
                              "redirectUrl": "https://bnpl.example/consent?t=rat",
                              "customer": "/customers/c1"}
    assert server.requests[2].json() == {**_CUSTOMER, "termsAccepted": True}


def test_bnpl_nothing_qualifies_ends_early(server: LocalServer) -> None:
    _bnpl(server, total=0)
    result = _run("bnpl.arazzo.yaml", None, {"customer": _CUSTOMER, "products": _PRODUCTS},
                  {"bnpl": server.url + "/bnpl"})
    assert result.succeeded
    assert [s.step_id for s in result.steps] == ["checkEligibility"]
    assert result.outputs["plan"] is None


def test_bnpl_customer_not_eligible_ends(server: LocalServer) -> None:
    _bnpl(server, eligible=False)
    result = _run("bnpl.arazzo.yaml", None, {"customer": _CUSTOMER, "products": _PRODUCTS},
                  {"bnpl": server.url + "/bnpl"})
    assert result.succeeded
    assert result.steps[-1].step_id == "createCustomer"
    assert result.steps[-1].action.name == "notEligible"


def test_bnpl_rejects_bad_inputs_naming_them(server: LocalServer) -> None:
    from arazzo_engine.errors import InputError

    with pytest.raises(InputError, match="products"):
        _run("bnpl.arazzo.yaml", None, {"customer": _CUSTOMER, "products": []},
             {"bnpl": server.url})


# The dbt reference workflow written in Arazzo 1.1, against the embedded dbt Cloud simulator.

DBT_1_1 = "dbt-trigger-run-and-poll-1.1.arazzo.yaml"


@pytest.mark.parametrize(("scenario", "final", "last_step"), [
    ("success", 10, "listArtifacts"), ("error", 20, "pollRun"), ("cancelled", 30, "pollRun")])
def test_the_dbt_workflow_in_arazzo_1_1(scenario: str, final: int, last_step: str) -> None:
    from arazzo_engine.simulator import (
        DEMO_ACCOUNT_ID,
        DEMO_JOB_ID,
        DEMO_TOKEN,
        DbtCloudSimulator,
    )
    from arazzo_engine.validation import validate_document

    assert validate_document(EXAMPLES / DBT_1_1, strict=True).diagnostics == ()
    inputs = {"accountId": DEMO_ACCOUNT_ID, "jobId": DEMO_JOB_ID, "token": DEMO_TOKEN}
    with DbtCloudSimulator(scenario) as simulator:
        result = _run(DBT_1_1, "trigger-run-and-poll", inputs, {"dbtAdminApi": simulator.base_url})
    assert result.succeeded, result.error
    assert result.outputs["finalStatus"] == final
    assert isinstance(result.outputs["runId"], int)
    steps = [s.step_id for s in result.steps]
    assert steps[0] == "triggerRun" and steps[-1] == last_step
    trigger = result.steps[0]
    assert trigger.outputs["runId"] == result.outputs["runId"]  # jsonpath selector
    assert trigger.outputs["initialStatus"] in (1, 2)  # jsonpointer selector
    if scenario == "success":
        assert "manifest.json" in result.outputs["artifacts"]
        assert result.outputs["manifestPath"] == "manifest.json"
    else:
        assert result.outputs["artifacts"] is None and "artifacts" in result.unresolved
    assert all(r.request is not None and r.request.headers["Authorization"] == "Bearer ***"
               for r in result.steps)
