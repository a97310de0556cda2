"""Bad input the service once answered with 500 or accepted silently: dates, offsets, tags, non-finite numbers.

Each gets a 400 with the usual ``{"error": {"message", "code"}}`` saying what was wrong; nothing is stored.
"""

from __future__ import annotations

import json

import pytest

from ibmq_widgets import wire


def _error(response, status: int = 400, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert len(error["message"]) > 20, error
    if code is not None:
        assert error["code"] == code, error
    return error


def _strict_json(text: str):
    def refuse(name: str):
        raise AssertionError(f"{name} in a response")

    return json.loads(text, parse_constant=refuse)


def _job_body(manila_ghz, **extra) -> dict:
    params = json.loads(wire.dumps(wire.sampler_params([(manila_ghz, None, 16)])))
    return {"program_id": "sampler", "backend": "ibmq_manila", "params": params, **extra}


@pytest.mark.parametrize("name", ["created_after", "created_before"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2024-13-01"])
def test_out_of_range_dates_are_400(research_api, name, value):
    error = _error(research_api.get("/jobs", params={name: value}), code="invalid_parameter")
    assert name in error["message"] and "ISO 8601" in error["message"]


def test_out_of_range_updated_before_is_400(research_api):
    response = research_api.get(
        "/backends/ibmq_manila/properties", params={"updated_before": "9999-12-31T23:59:59-14:00"}
    )
    assert "updated_before" in _error(response, code="invalid_parameter")["message"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("offset", "99999999999999999999"), ("offset", str(2**31)), ("offset", "-1"), ("offset", "1_0"),
     ("limit", "1001"), ("limit", "99999999999999999999999999")],
)  # fmt: skip
def test_offsets_and_limits_are_bounded(research_api, name, value):
    error = _error(research_api.get("/jobs", params={name: value}), code="invalid_parameter")
    assert name in error["message"]


@pytest.mark.parametrize("tags", [[f"t{i}" for i in range(51)], ["x" * 257], [""]])
def test_tag_filters_are_bounded(research_api, tags):
    response = research_api.get("/jobs", params={"tags": tags})
    assert "tags" in _error(response, code="invalid_parameter")["message"]


def test_a_lone_surrogate_in_a_tag_is_400(research_api, manila_ghz):
    before = research_api.job_count()
    body = json.dumps(_job_body(manila_ghz, tags=["ok", "\ud800"]))  # ensure_ascii writes it as \ud800
    assert "\\ud800" in body
    error = _error(research_api.post("/jobs", data=body), code="invalid_json")
    assert "surrogate" in error["message"]
    assert research_api.job_count() == before
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)], tags=["fine"])
    _error(
        research_api.request("PUT", f"/jobs/{job_id}/tags", data='{"tags": ["\\udfff"]}'), code="invalid_json"
    )
    assert research_api.job(job_id)["tags"] == ["fine"]


@pytest.mark.parametrize("cost", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_non_finite_numbers_are_refused(research_api, manila_ghz, cost):
    before = research_api.job_count()
    text = json.dumps(_job_body(manila_ghz, cost=12345)).replace("12345", cost)
    _error(research_api.post("/jobs", data=text), code="invalid_json")
    assert research_api.job_count() == before
    page = research_api.get("/jobs", params={"limit": 1000, "exclude_params": "true"})
    _strict_json(page.text)  # no job answers "cost": Infinity


@pytest.mark.parametrize("cost", [0, -5, 10801, True, "60"])
def test_cost_must_be_a_positive_number_up_to_the_maximum(research_api, manila_ghz, cost):
    response = research_api.post("/jobs", data=json.dumps(_job_body(manila_ghz, cost=cost)))
    assert "10800" in _error(response, code="bad_request")["message"]


def test_a_cost_above_the_job_time_limit_is_capped_to_it(research_api, manila_ghz):
    response = research_api.post("/jobs", data=json.dumps(_job_body(manila_ghz, cost=10800)))
    assert response.status_code == 200, response.text
    assert research_api.job(response.json()["id"])["cost"] == 600  # the service's default job time limit


@pytest.mark.parametrize(
    "body",
    ["[" * 100 + "]" * 100, '{"tags": [' + "9" * 30 + "]}", '{"tags": [1e400]}', '{"tags": NaN}'],
)
def test_deep_or_huge_json_is_invalid_json(research_api, body):
    _error(research_api.post("/jobs", data=body), code="invalid_json")


def test_tag_count_and_length_limits(research_api, manila_ghz):
    before = research_api.job_count()
    for tags in (["t"] * 51, ["x" * 257], [""]):
        response = research_api.post("/jobs", data=json.dumps(_job_body(manila_ghz, tags=tags)))
        _error(response, code="bad_request")
    assert research_api.job_count() == before
    most = [f"{i:02d}" + "y" * 254 for i in range(50)]
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)], tags=most)
    assert research_api.job(job_id)["tags"] == most
    for tags in (["t"] * 51, ["x" * 257], [""]):
        _error(research_api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": tags}), code="bad_request")
    assert research_api.job(job_id)["tags"] == most


def test_huge_tags_are_refused_without_storing(research_api, manila_ghz):
    job_id = research_api.submit_ok("ibmq_manila", [(manila_ghz, None, 16)])
    huge = research_api.request("PUT", f"/jobs/{job_id}/tags", json={"tags": ["z" * 5_000_000]})
    _error(huge, 413, "payload_too_large")
    in_job = research_api.post("/jobs", data=json.dumps(_job_body(manila_ghz, tags=["z" * 5_000_000])))
    assert "256" in _error(in_job, code="bad_request")["message"]
    assert research_api.job(job_id)["tags"] == []
