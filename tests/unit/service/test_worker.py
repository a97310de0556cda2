"""The worker's simulation: noisy GHZ on real device snapshots, result shapes like the real primitives."""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit import Parameter
from qiskit.primitives import PrimitiveResult
from qiskit.quantum_info import SparsePauliOp

from ibmq_widgets import wire
from ibmq_widgets.service.catalog import Catalog
from ibmq_widgets.service.worker import DEFAULT_SHOTS, UnrunnableJobError, execute_job, job_seed, serve
from ibmq_widgets.service.worker_messages import JobDone, JobFailed, Ready, RunJob, Stop


@pytest.fixture(scope="module")
def catalog():
    return Catalog()


def ghz(n: int = 5) -> QuantumCircuit:
    circuit = QuantumCircuit(n, metadata={"ibmq_widgets.name": "ghz"})
    circuit.h(0)
    for i in range(n - 1):
        circuit.cx(i, i + 1)
    circuit.measure_all()
    return circuit


def run(job_id: str, backend: str, params: dict, program: str = "sampler") -> PrimitiveResult:
    text = execute_job(
        {"id": job_id, "backend": backend, "program": program, "params_text": wire.dumps(params)}
    )
    return wire.loads(text)


@pytest.mark.parametrize("backend", ["ibm_fez", "ibmq_manila"])
def test_noisy_ghz_is_dominated_by_all_zeros_and_all_ones(catalog, backend):
    isa = transpile(ghz(), target=catalog.backend_v2(backend), optimization_level=1, seed_transpiler=3)
    result = run("ghz-" + backend, backend, wire.sampler_params([(isa, None, 2000)]))
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 2000
    assert counts.get("00000", 0) > 600 and counts.get("11111", 0) > 600
    assert counts["00000"] + counts["11111"] > 0.7 * 2000  # ibmq_manila: about 80 %
    assert len(counts) > 2  # the device's noise shows
    assert result[0].metadata == {"shots": 2000, "circuit_metadata": {"ibmq_widgets.name": "ghz"}}


def test_ideal_simulator_gives_only_all_zeros_and_all_ones():
    result = run("ideal", "ibmq_qasm_simulator", wire.sampler_params([(ghz(), None, 1000)]))
    counts = result[0].data.meas.get_counts()
    assert set(counts) == {"00000", "11111"} and sum(counts.values()) == 1000


def basis_state(bits: str, name: str) -> QuantumCircuit:
    """Prepares ``bits`` (qubit 0 rightmost) and measures it into a register called ``name``."""
    circuit = QuantumCircuit(QuantumRegister(len(bits)), ClassicalRegister(len(bits), name))
    for qubit, bit in enumerate(reversed(bits)):
        if bit == "1":
            circuit.x(qubit)
    circuit.measure(range(len(bits)), range(len(bits)))
    return circuit


def test_pubs_sharing_a_simulator_run_together_and_keep_their_own_results():
    states = ["1", "10", "011", "0", "1101"]
    pubs = [(basis_state(bits, f"r{i}"), None, 100 + i) for i, bits in enumerate(states)]
    result = run("batched", "ibmq_qasm_simulator", wire.sampler_params(pubs))
    for i, bits in enumerate(states):
        assert getattr(result[i].data, f"r{i}").get_counts() == {bits: 100 + i}
        assert result[i].metadata["shots"] == 100 + i


def test_pubs_on_different_qubits_of_a_device_each_get_their_own_noise(catalog):
    target = catalog.backend_v2("ibmq_manila")
    first = transpile(basis_state("11", "a"), target=target, initial_layout=[0, 1], seed_transpiler=1)
    second = transpile(basis_state("11", "b"), target=target, initial_layout=[3, 4], seed_transpiler=1)
    third = transpile(basis_state("11", "c"), target=target, initial_layout=[0, 1], seed_transpiler=1)
    pubs = [(first, None, 500), (second, None, 500), (third, None, 500)]
    result = run("grouped", "ibmq_manila", wire.sampler_params(pubs))
    for i, register in enumerate("abc"):
        counts = getattr(result[i].data, register).get_counts()
        assert sum(counts.values()) == 500 and counts.get("11", 0) > 400


def test_one_bit_array_per_register_named_as_the_register():
    qreg, alpha, beta = QuantumRegister(3), ClassicalRegister(2, "alpha"), ClassicalRegister(1, "beta")
    circuit = QuantumCircuit(qreg, alpha, beta)
    circuit.x(0)
    circuit.measure([0, 1], alpha)
    circuit.measure(2, beta)
    result = run("regs", "ibmq_qasm_simulator", wire.sampler_params([(circuit, None, 10)]))
    data = result[0].data
    assert sorted(data.keys()) == ["alpha", "beta"]
    assert data.alpha.num_bits == 2 and data.beta.num_bits == 1
    assert data.alpha.get_counts() == {"01": 10} and data.beta.get_counts() == {"0": 10}


def test_parameter_broadcasting_and_default_shots():
    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    circuit.measure_all()
    values = np.array([[0.0], [np.pi], [0.0]]).reshape(3, 1)
    result = run(
        "params", "ibmq_qasm_simulator", wire.sampler_params([(circuit, values), (circuit, [np.pi])])
    )
    first, second = result
    assert first.data.meas.shape == (3,)
    assert first.data.meas.get_counts(0) == {"0": DEFAULT_SHOTS}
    assert first.data.meas.get_counts(1) == {"1": DEFAULT_SHOTS}
    assert second.data.meas.shape == () and second.data.meas.get_counts() == {"1": DEFAULT_SHOTS}
    assert first.metadata["shots"] == DEFAULT_SHOTS
    options = run("opt", "ibmq_qasm_simulator", wire.sampler_params([(circuit, [0.0])], {"default_shots": 7}))
    assert options[0].data.meas.num_shots == 7


def test_reruns_are_reproducible_and_seeded_by_job_id(catalog):
    isa = transpile(ghz(), target=catalog.backend_v2("ibmq_manila"), seed_transpiler=1)
    params = wire.dumps(wire.sampler_params([(isa, None, 500)]))
    job = {"id": "same", "backend": "ibmq_manila", "program": "sampler", "params_text": params}
    first, again = execute_job(job), execute_job(dict(job))
    assert first == again
    other = execute_job(dict(job, id="different"))
    assert other != first
    assert job_seed("same") == job_seed("same") != job_seed("different")


def test_estimator_on_a_device_with_observables_on_the_layout(catalog):
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    isa = transpile(bell, target=catalog.backend_v2("ibm_fez"), seed_transpiler=5)
    observables = [[SparsePauliOp(label).apply_layout(isa.layout)] for label in ("ZZ", "XX", "ZI", "XI")]
    result = run("est", "ibm_fez", wire.estimator_params([(isa, observables, None, 0.0)]), "estimator")
    evs = result[0].data.evs
    assert evs.shape == (4, 1)
    assert 0.85 < evs[0, 0] <= 1.0 and 0.85 < evs[1, 0] <= 1.0  # ZZ and XX of a noisy Bell state
    assert abs(evs[2, 0]) < 0.1 and abs(evs[3, 0]) < 0.1
    assert result[0].metadata["target_precision"] == 0.0


def test_estimator_broadcasts_parameters_against_observables():
    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.ry(theta, 0)
    pub = (circuit, [["Z"], ["X"]], np.array([0.0, np.pi / 2, np.pi]).reshape(1, 3, 1), 0.0)
    result = run("bcast", "ibmq_qasm_simulator", wire.estimator_params([pub]), "estimator")
    evs = result[0].data.evs
    assert evs.shape == (2, 3)  # observables (2, 1) against parameter sets (1, 3)
    assert np.allclose(evs[0], [1, 0, -1], atol=1e-9) and np.allclose(evs[1], [0, 1, 0], atol=1e-9)
    assert np.all(result[0].data.stds == 0.0)


def test_estimator_default_precision_from_options():
    circuit = QuantumCircuit(1)
    pubs = [(circuit, "Z")]

    def estimate(options: dict | None):
        return run("p", "ibmq_qasm_simulator", wire.estimator_params(pubs, options), "estimator")[0]

    assert estimate(None).metadata["target_precision"] == 1 / 64
    by_shots = estimate({"default_shots": 400})
    assert by_shots.metadata["target_precision"] == pytest.approx(0.05)
    assert np.all(by_shots.data.stds == pytest.approx(0.05))
    assert estimate({"default_precision": 0.1}).metadata["target_precision"] == 0.1


def test_bad_jobs_fail_with_a_reason():
    base = {"id": "bad", "backend": "ibmq_qasm_simulator", "program": "sampler"}
    with pytest.raises(UnrunnableJobError, match="could not be decoded"):
        execute_job(dict(base, params_text="{not json"))
    with pytest.raises(UnrunnableJobError, match="no list of 'pubs'"):
        execute_job(dict(base, params_text='{"pubs": 3}'))
    with pytest.raises(UnrunnableJobError, match="Unknown program"):
        execute_job(dict(base, program="qasm3", params_text='{"pubs": []}'))
    circuit = QuantumCircuit(1)
    circuit.ry(Parameter("a"), 0)
    circuit.measure_all()
    with pytest.raises(UnrunnableJobError, match="could not be run"):
        execute_job(dict(base, params_text=wire.dumps(wire.sampler_params([(circuit, None, 10)]))))


def test_serve_answers_over_a_pipe():
    parent, child = multiprocessing.Pipe()
    thread = threading.Thread(target=serve, args=(child,), daemon=True)
    thread.start()
    assert parent.recv() == Ready()
    ok = RunJob("ok", "ibmq_qasm_simulator", "sampler", wire.dumps(wire.sampler_params([(ghz(2), None, 5)])))
    parent.send(ok)
    done = parent.recv()
    assert isinstance(done, JobDone) and done.job_id == "ok"
    assert wire.loads(done.result_text)[0].data.meas.num_shots == 5
    parent.send(RunJob("broken", "ibmq_qasm_simulator", "sampler", "["))
    failed = parent.recv()
    assert (
        isinstance(failed, JobFailed)
        and failed.job_id == "broken"
        and "could not be decoded" in failed.reason
    )
    parent.send(Stop())
    thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.parametrize("backend", ["ibmq_qasm_simulator", "ibm_fez"])
def test_dynamic_circuit_with_a_condition_on_a_register(catalog, backend):
    qreg, mid, out = QuantumRegister(3), ClassicalRegister(1, "mid"), ClassicalRegister(1, "out")
    circuit = QuantumCircuit(qreg, mid, out)
    circuit.x(1)
    circuit.measure(1, mid[0])
    with circuit.if_test((mid[0], 1)):
        circuit.x(2)
    circuit.measure(2, out[0])
    if backend != "ibmq_qasm_simulator":
        circuit = transpile(circuit, target=catalog.backend_v2(backend), seed_transpiler=1)
    result = run("dynamic", backend, wire.sampler_params([(circuit, None, 200)]))
    assert result[0].data.mid.get_counts().get("1", 0) > 180
    assert result[0].data.out.get_counts().get("1", 0) > 180


@pytest.mark.slow
def test_every_device_runs_a_job_with_its_noise(catalog):
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    for name in catalog.names():
        isa = transpile(circuit, target=catalog.backend_v2(name), seed_transpiler=1)
        result = run("every-" + name, name, wire.sampler_params([(isa, None, 300)]))
        counts = result[0].data.meas.get_counts()
        assert sum(counts.values()) == 300, name
        assert counts.get("1", 0) > 200, (name, counts)


def test_counted_pubs_give_per_shot_arrays_that_match_their_counts_in_a_seeded_order():
    from qiskit_aer import AerSimulator

    from ibmq_widgets.service.sampling import sample_counts

    circuit = QuantumCircuit(QuantumRegister(3), ClassicalRegister(2, "low"), ClassicalRegister(1, "high"))
    circuit.h(0)
    circuit.x(2)
    circuit.measure([0, 1], [0, 1])
    circuit.measure(2, 2)
    simulator = AerSimulator(max_parallel_threads=1)
    first = sample_counts(simulator, [circuit], 400, seed=7)[0]
    again = sample_counts(simulator, [circuit], 400, seed=7)[0]
    assert set(first) == {"low", "high"}
    assert first["high"].get_counts() == {"1": 400}
    low = first["low"].get_counts()
    assert set(low) == {"00", "01"} and sum(low.values()) == 400 and min(low.values()) > 150
    assert np.array_equal(first["low"].array, again["low"].array)  # the same seed, the same shot order
    # the order is shuffled, not grouped by outcome: outcomes alternate many times along the shots
    shots = first["low"].array[:, 0]
    assert np.count_nonzero(np.diff(shots)) > 100


def test_parameterised_pubs_still_run_through_the_sampler_primitive():
    theta = Parameter("theta")
    circuit = QuantumCircuit(1)
    circuit.rx(theta, 0)
    circuit.measure_all()
    result = run("params", "ibmq_qasm_simulator", wire.sampler_params([(circuit, [[0.0], [np.pi]], 50)]))
    counts = [result[0].data.meas.get_counts(loc) for loc in range(2)]
    assert counts == [{"0": 50}, {"1": 50}]


def test_registers_that_are_never_measured_read_as_zeros():
    unmeasured = QuantumCircuit(QuantumRegister(2), ClassicalRegister(2, "c"))
    unmeasured.h(0)
    partly = QuantumCircuit(QuantumRegister(2), ClassicalRegister(1, "low"), ClassicalRegister(1, "high"))
    partly.x([0, 1])
    partly.measure(0, 0)  # "high" is never written
    result = run(
        "unmeasured", "ibmq_qasm_simulator", wire.sampler_params([(unmeasured, None, 20), (partly, None, 20)])
    )
    assert result[0].data.c.get_counts() == {"00": 20}
    assert result[1].data.low.get_counts() == {"1": 20}
    assert result[1].data.high.get_counts() == {"0": 20}
