"""The wire codec: round trips through qiskit-ibm-runtime's RuntimeEncoder/RuntimeDecoder, dates, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import BitArray, DataBin, PrimitiveResult, SamplerPubResult

from ibmq_widgets import wire


def _result() -> PrimitiveResult:
    bits = BitArray.from_counts({"00": 30, "11": 70}, num_bits=2)
    pub = SamplerPubResult(DataBin(meas=bits, shape=()), metadata={"shots": 100})
    return PrimitiveResult([pub], metadata={"version": 2})


def test_sampler_params_round_trip_keeps_circuit_name_and_metadata():
    circuit = QuantumCircuit(2, name="bell", metadata={"ibmq_widgets.name": "bell"})
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    params = wire.loads(wire.dumps(wire.sampler_params([(circuit, None, 100)])))
    decoded = params["pubs"][0][0]
    assert decoded.name == "bell" and decoded.metadata == {"ibmq_widgets.name": "bell"}
    assert params["pubs"][0][2] == 100 and params["version"] == 2


def test_results_decode_identically_from_many_threads_at_once():
    text = wire.dumps(_result())
    with ThreadPoolExecutor(max_workers=8) as pool:
        decoded = list(pool.map(lambda _: wire.loads(text)[0].data.meas.get_counts(), range(200)))
    assert all(counts == {"00": 30, "11": 70} for counts in decoded)


def test_dates_are_utc_on_the_wire():
    eastern = timezone(timedelta(hours=-4))
    assert wire.format_datetime(datetime(2021, 3, 15, 14, 10, 39, tzinfo=eastern)) == "2021-03-15T18:10:39Z"
    parsed = wire.parse_datetime("2021-03-15T14:10:39-04:00")
    assert parsed == datetime(2021, 3, 15, 18, 10, 39, tzinfo=timezone.utc)
    assert wire.parse_datetime(None) is None
    with pytest.raises(ValueError):
        wire.parse_datetime("yesterday")
