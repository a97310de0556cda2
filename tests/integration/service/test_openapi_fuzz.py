"""Schemathesis fuzzes a live service from openapi.yaml: no 500, and every response is as documented.

Every operation of openapi.yaml gets its explicit examples, schemathesis' coverage cases (boundaries, missing and
wrong-typed values) and ``IBMQ_WIDGETS_FUZZ_EXAMPLES`` random cases (default 25; bench/bench_fuzz_api.py runs
many more), positive and negative. Each response is checked for: no server error, a documented status code,
content type, headers and body schema, 4xx for schema-violating input, missing required headers and
undocumented methods, and that auth is not ignored. Path parameters are drawn partly from real jobs and backends,
and POST /jobs has a real job as its example, so the success paths are fuzzed too. The counts are printed in the
terminal summary ("API fuzzing").
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import strategies as st
from service_http import RESEARCH, Api, crn_of, ghz, slow_pubs

from ibmq_widgets import wire

EXAMPLES = int(os.environ.get("IBMQ_WIDGETS_FUZZ_EXAMPLES", "25"))
#: The suite's run is the same every time; bench/bench_fuzz_api.py sets 0 to draw new cases on every run.
DETERMINISTIC = os.environ.get("IBMQ_WIDGETS_FUZZ_DETERMINISTIC", "1") != "0"
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
]
BACKENDS = ["ibmq_manila", "ibmq_qasm_simulator", "ibm_fez"]
#: Ids of real jobs of the fuzzed service (filled by the fuzz_service fixture, read while cases are drawn):
#: "delete" ones for DELETE only, the others for every other operation; and its API key.
JOB_IDS: dict[str, list[str]] = {"delete": [], "other": []}
#: Real sessions (a dedicated one and a batch), for the /sessions/{id} operations.
SESSION_IDS: list[str] = []
API_KEYS: list[str] = []


def _job_example() -> dict[str, Any]:
    params = wire.sampler_params([(ghz(2), None, 8)])
    return json.loads(
        wire.dumps({"program_id": "sampler", "backend": "ibmq_qasm_simulator", "params": params})
    )


def _load_spec() -> dict[str, Any]:
    spec = yaml.safe_load(resources.files("ibmq_widgets.service").joinpath("openapi.yaml").read_text())
    # A real job as the example of POST /jobs (QPY made by the installed qiskit), so that submissions succeed.
    spec["paths"]["/api/v1/jobs"]["post"]["requestBody"]["content"]["application/json"]["example"] = (
        _job_example()
    )
    return spec


schema = schemathesis.openapi.from_dict(_load_spec())
# Unknown query parameters and headers are ignored, as by the platform (clients send headers of their own).
schema.config.generation.update(
    max_examples=EXAMPLES, database="none", allow_extra_parameters=False, deterministic=DETERMINISTIC
)
schema.config.checks.update(included_check_names=CHECKS)
if os.environ.get("IBMQ_WIDGETS_FUZZ_SEED"):  # to replay a run of bench/bench_fuzz_api.py
    schema.config.seed = int(os.environ["IBMQ_WIDGETS_FUZZ_SEED"])


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half of the cases name a real job or backend, so that the 2xx answers are fuzzed too."""
    choices = [path_parameters]
    if not path_parameters:
        return st.just(path_parameters)
    if "id" in path_parameters and context.operation.path.startswith("/api/v1/sessions"):
        choices += [{**path_parameters, "id": session_id} for session_id in SESSION_IDS]
    elif "id" in path_parameters:
        ids = JOB_IDS["delete" if context.operation.method.lower() == "delete" else "other"]
        choices += [{**path_parameters, "id": job_id} for job_id in ids]
    if "name" in path_parameters:
        choices += [{**path_parameters, "name": name} for name in BACKENDS]
    return st.sampled_from(choices)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Some token exchanges send the service's real API key, so that the 200 is fuzzed too."""
    if context.operation.path != "/identity/token" or not isinstance(body, dict) or not API_KEYS:
        return st.just(body)
    return st.sampled_from([body, {**body, "apikey": API_KEYS[0]}])


@dataclass
class FuzzTarget:
    url: str
    headers: dict[str, str]
    api: Api


@pytest.fixture(scope="module")
def fuzz_service(tmp_path_factory) -> Iterator[FuzzTarget]:
    """A service of this module's own (the fuzzing submits, tags, cancels and deletes jobs), with real jobs."""
    from ibmq_widgets.service import start

    with start(data_dir=tmp_path_factory.mktemp("fuzz-data"), port=0, workers=1) as service:
        api = Api(service.url, service.api_key, crn_of(service, RESEARCH))
        API_KEYS[:] = [service.api_key]
        done = api.submit_ok("ibmq_qasm_simulator", [(ghz(2), None, 8)], tags=["fuzz"])
        api.wait(done)
        # Slow jobs on another backend stay pending for the cancels (the simulator takes the POST examples).
        pending = [api.submit_ok("ibmq_manila", slow_pubs(api, "ibmq_manila")) for _ in range(3)]
        JOB_IDS["other"] = [done, *pending]
        JOB_IDS["delete"] = [api.submit_ok("ibmq_qasm_simulator", [(ghz(3), None, 8)]) for _ in range(2)]
        SESSION_IDS[:] = [
            api.post("/sessions", json={"backend": "ibmq_manila", "mode": mode}).json()["id"]
            for mode in ("dedicated", "batch")
        ]
        yield FuzzTarget(service.url, dict(api.session.headers), api)
        for ids in JOB_IDS.values():
            ids.clear()
        API_KEYS.clear()
        SESSION_IDS.clear()


@schema.parametrize()
def test_every_operation_answers_as_documented(case, fuzz_service, fuzz_tally):
    headers = {name: fuzz_service.headers[name] for name in ("Authorization", "Service-CRN")}
    response = case.call(base_url=fuzz_service.url, headers=headers, timeout=60)
    fuzz_tally.record(case.operation.label, response.status_code)
    fuzz_tally.seed = schema.config.seed
    case.validate_response(response, headers=headers)


def test_every_operation_was_fuzzed(fuzz_tally):
    """Runs after the parametrized test above: each operation got cases, and success and error answers."""
    fuzzed = fuzz_tally.statuses
    if not fuzzed:
        pytest.skip("the fuzzing test did not run in this session")
    operations = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}  # fmt: skip
    assert operations == set(fuzzed), operations ^ set(fuzzed)
    for operation, statuses in fuzzed.items():
        # A real resource was reached (a cancel may only find jobs that already finished: 409) ...
        assert any(status < 300 or status == 409 for status in statuses), (operation, statuses)
        # ... and a documented error was answered.
        assert any(400 <= status < 500 for status in statuses), (operation, statuses)
