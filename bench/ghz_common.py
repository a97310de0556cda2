"""What the GHZ and service benchmarks share: the circuit, the reference runs in qiskit-ibm-runtime's local
testing mode, a plain-requests client of the local service, and medians.

Not a benchmark itself; the scripts beside it import it (``python bench/<name>.py`` puts bench/ on the path).
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable

import requests
from qiskit import QuantumCircuit

from ibmq_widgets import wire

SHOTS = 1024


def ghz(n: int = 5) -> QuantumCircuit:
    """An n-qubit GHZ circuit measured into ``meas``."""
    circuit = QuantumCircuit(n)
    circuit.h(0)
    circuit.cx(range(n - 1), range(1, n))  # cx(0, 1), cx(1, 2), ... in turn
    circuit.measure_all()
    return circuit


def blocker_circuit() -> QuantumCircuit:
    """Minutes of simulation on one worker (mid-circuit measurements make aer simulate shot by shot)."""
    circuit = QuantumCircuit(10, 10)
    for layer in range(20):
        for qubit in range(10):
            circuit.rx(0.1 * (qubit + layer + 1), qubit)
        for qubit in range(9):
            circuit.cx(qubit, qubit + 1)
        circuit.measure(0, 0)
    circuit.measure(range(10), range(10))
    return circuit


def tiny_circuit() -> QuantumCircuit:
    """One qubit measured: the cheapest job."""
    circuit = QuantumCircuit(1, 1)
    circuit.measure(0, 0)
    return circuit


def ghz_share(counts: dict[str, int]) -> float:
    """The share of all-zeros and all-ones outcomes of a 5-qubit GHZ."""
    return (counts.get("00000", 0) + counts.get("11111", 0)) / max(1, sum(counts.values()))


def timed(call: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def median_ms(times: list[float]) -> float:
    """The median of ``times`` (seconds) in milliseconds."""
    return statistics.median(times) * 1000


def local_mode_run(backend: object, isa: QuantumCircuit, shots: int = SHOTS) -> dict[str, int]:
    """One run of qiskit-ibm-runtime's local testing mode, ``SamplerV2(mode=fake backend)``: its counts."""
    from qiskit_ibm_runtime import SamplerV2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        result = SamplerV2(mode=backend).run([isa], shots=shots).result()
    return result[0].data.meas.get_counts()


def fake_backend(class_name: str) -> object:
    """A fake backend of qiskit-ibm-runtime by class name (``"FakeFez"`` -> ``FakeFez()``)."""
    from qiskit_ibm_runtime import fake_provider

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(fake_provider, class_name)()


class HttpSampler:
    """Runs Sampler jobs on the local service with plain requests and the wire codec, as a client would:
    POST /jobs, GET /jobs/{id} every ``interval`` seconds until Completed, GET the results and decode them."""

    def __init__(self, url: str, api_key: str, crn: str, interval: float = 0.005) -> None:
        self.api = f"{url}/api/v1"
        self.interval = interval
        self.session = requests.Session()
        token = self.session.post(f"{url}/identity/token", data={"apikey": api_key}, timeout=30).json()
        self.session.headers.update({"Authorization": f"Bearer {token['access_token']}", "Service-CRN": crn})

    def submit(self, backend: str, circuit: QuantumCircuit, shots: int = SHOTS) -> str:
        """POST one Sampler job; its id."""
        params = wire.sampler_params([(circuit, None, shots)])
        body = wire.dumps({"program_id": "sampler", "backend": backend, "params": params})
        response = self.session.post(f"{self.api}/jobs", data=body, timeout=60)
        response.raise_for_status()
        return response.json()["id"]

    def result_counts(self, job_id: str) -> dict[str, int]:
        """Wait for the job to complete; the counts of its first pub."""
        while True:
            state = self.session.get(f"{self.api}/jobs/{job_id}", params={"exclude_params": "true"}).json()
            status = state["state"]["status"]
            if status == "Completed":
                break
            if status in ("Failed", "Cancelled"):
                raise RuntimeError(f"job {job_id} ended {status}: {state['state'].get('reason')}")
            time.sleep(self.interval)
        result = wire.loads(self.session.get(f"{self.api}/jobs/{job_id}/results", timeout=60).text)
        return result[0].data.meas.get_counts()

    def run(self, backend: str, circuit: QuantumCircuit, shots: int = SHOTS) -> dict[str, int]:
        """Submit, wait and read the counts."""
        return self.result_counts(self.submit(backend, circuit, shots))


def research_sampler(service: object, interval: float = 0.005) -> HttpSampler:
    """An ``HttpSampler`` on the research instance of an in-process service (``ibmq_widgets.service.start``)."""
    crn = next(i["crn"] for i in service.instances if i["name"].endswith("research/main"))
    return HttpSampler(service.url, service.api_key, crn, interval)
