"""The wire codec: round trips through qiskit-ibm-runtime's RuntimeEncoder/RuntimeDecoder, dates, threads."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import numpy as np
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


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8).reshape(3, 4),
        np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        np.array(3.5),
        np.zeros((0, 3)),
        np.array([1 + 2j, 3j]),
        np.array([True, False]),
        np.arange(6, dtype=">i4").reshape(2, 3),
    ],
    ids=["bytes", "fortran", "scalar", "empty", "complex", "bool", "big-endian"],
)
def test_arrays_travel_in_the_reference_format_both_ways(array):
    ours = wire.dumps({"x": array})
    reference = json.dumps({"x": array}, cls=wire.RuntimeEncoder)
    for text in (ours, reference):  # each side reads what the other writes
        for decoded in (wire.loads(text)["x"], json.loads(text, cls=wire.RuntimeDecoder)["x"]):
            assert decoded.dtype == array.dtype and decoded.shape == array.shape
            assert np.array_equal(decoded, array)
    mine = wire.loads(ours)["x"]
    mine[...] = 0  # a decoded array is the caller's to change, as np.load gives it
    assert np.array_equal(wire.loads(ours)["x"], array)


def test_circuits_and_results_we_encode_decode_with_the_reference_decoder():
    circuit = QuantumCircuit(3, name="ghz", metadata={"ibmq_widgets.name": "ghz", "run": 7})
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.cx(1, 2)
    circuit.measure_all()
    params = json.loads(wire.dumps(wire.sampler_params([(circuit, None, 64)])), cls=wire.RuntimeDecoder)
    decoded = params["pubs"][0][0]
    assert decoded == circuit and decoded.metadata == circuit.metadata and decoded.name == "ghz"
    result = json.loads(wire.dumps(_result()), cls=wire.RuntimeDecoder)
    assert result[0].data.meas.get_counts() == {"00": 30, "11": 70}


def _arrays_read(node):
    """A decoded JSON tree with every ndarray envelope replaced by the array's values (the compressed bytes
    differ between encoders; what they hold must not)."""
    if isinstance(node, dict):
        if node.get("__type__") == "ndarray":
            return ("ndarray", wire.loads(json.dumps(node)).tolist())
        return {key: _arrays_read(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_arrays_read(value) for value in node]
    return node


def test_a_result_is_written_exactly_as_the_reference_encoder_writes_it():
    bits = BitArray.from_counts({"101": 3, "010": 5}, num_bits=3)
    flags = BitArray.from_counts({"1": 8}, num_bits=1)
    pubs = [
        SamplerPubResult(DataBin(meas=bits, shape=()), metadata={"shots": 8, "circuit_metadata": {"a": 1}}),
        SamplerPubResult(DataBin(c=bits, flags=flags, shape=()), metadata={"shots": 8}),
    ]
    result = PrimitiveResult(pubs, metadata={"version": 2})
    ours = json.loads(wire.dumps(result))
    reference = json.loads(json.dumps(result, cls=wire.RuntimeEncoder))
    assert _arrays_read(ours) == _arrays_read(reference)
    assert ours["__value__"]["pub_results"][1]["__value__"]["data"]["__value__"]["field_names"] == [
        "c",
        "flags",
    ]


def test_a_damaged_array_is_a_clear_error_not_a_wrong_value():
    text = wire.dumps({"x": np.arange(4)}).replace('"__value__": "', '"__value__": "AAAA', 1)
    with pytest.raises(Exception, match=r"(?i)error|invalid|incorrect"):
        wire.loads(text)
