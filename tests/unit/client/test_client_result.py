"""Result over Sampler V2 data: counts by index, name or circuit, joined registers, to_dataframe."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.primitives.containers import BitArray, DataBin, PrimitiveResult, SamplerPubResult

from ibmq_widgets import exceptions as exc
from ibmq_widgets import wire
from ibmq_widgets.client.result import Result


def pub(name: str | None, registers: dict[str, list[str]]) -> SamplerPubResult:
    arrays = {
        reg: BitArray.from_samples(samples, num_bits=len(samples[0])) for reg, samples in registers.items()
    }
    shots = len(next(iter(registers.values())))
    circuit_metadata = {"ibmq_widgets.name": name, "experiment": "x"} if name else {}
    return SamplerPubResult(
        DataBin(**arrays, shape=()), metadata={"shots": shots, "circuit_metadata": circuit_metadata}
    )


@pytest.fixture
def result() -> Result:
    primitive = PrimitiveResult(
        [
            pub("bell", {"meas": ["00", "11", "11", "00"]}),
            pub("two-registers", {"a": ["1", "1", "0"], "b": ["01", "01", "10"]}),
            pub(None, {"c": ["1", "1"]}),
        ],
        metadata={"version": 2},
    )
    # through the wire codec, as a real answer would arrive
    primitive = wire.loads(wire.dumps(primitive))
    return Result.from_primitive_result(
        primitive, job_id="j1", backend_name="ibmq_qasm_simulator", circuit_names=["x", "y", "third"]
    )


def test_counts_by_index_name_and_circuit(result):
    assert result.success and len(result) == 3
    assert result.get_counts(0) == {"00": 2, "11": 2}
    assert result.get_counts("bell") == result.get_counts(0)
    circuit = QuantumCircuit(1, name="bell")
    assert result.get_counts(circuit) == result.get_counts(0)
    assert result.get_counts(-1) == {"1": 2}
    assert result.results[0].header.name == "bell"
    assert result.results[0].header.metadata == {"experiment": "x"}
    assert result.results[2].header.name == "third"  # no metadata name: the submitted name
    assert result.results[0].shots == 4


def test_registers_are_joined_last_register_leftmost(result):
    # register a then b: b's bits are the leftmost
    assert result.get_counts("two-registers") == {"011": 2, "100": 1}
    assert sorted(result.get_memory(1)) == ["011", "011", "100"]


def test_no_argument_gives_all_counts_when_there_are_several(result):
    assert isinstance(result.get_counts(), list) and len(result.get_counts()) == 3


@pytest.mark.parametrize("bad", [3, -4, "nope", 2.5])
def test_unknown_experiment_is_a_lookup_error_saying_what_exists(result, bad):
    with pytest.raises(exc.IBMQExperimentNotFound) as info:
        result.get_counts(bad)
    assert isinstance(info.value, LookupError)
    assert "experiment" in str(info.value)


def test_to_dataframe(result):
    frame = result.to_dataframe()
    assert list(frame.columns) == ["experiment", "name", "outcome", "count", "probability"]
    bell = frame[frame["name"] == "bell"]
    assert bell["count"].sum() == 4
    assert bell["probability"].tolist() == [0.5, 0.5]


def test_repr_is_compact(result):
    assert (
        repr(result) == "Result(job_id='j1', backend_name='ibmq_qasm_simulator', success=True, experiments=3)"
    )
    assert "<pre>" in result._repr_html_() or "<" in result._repr_html_()


@pytest.mark.parametrize("num_bits", [1, 3, 8, 9, 17])
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_bit_counts_equal_qiskits_own_counting(num_bits, shape):
    import numpy as np
    from qiskit.primitives import BitArray

    from ibmq_widgets.client.result import bit_counts

    rng = np.random.default_rng(num_bits)
    # few distinct outcomes, as real measurements have, and the padding bits left random on purpose
    outcomes = rng.integers(0, 2**num_bits, size=5)
    values = rng.choice(outcomes, size=(*shape, 300))
    packed = np.stack(
        [np.frombuffer(int(v).to_bytes((num_bits + 7) // 8, "big"), dtype=np.uint8) for v in values.ravel()]
    ).reshape(*shape, 300, (num_bits + 7) // 8)
    packed[..., 0] |= np.uint8((0xFF << (num_bits % 8)) & 0xFF if num_bits % 8 else 0)
    bits = BitArray(packed, num_bits)
    assert bit_counts(bits) == bits.get_counts()
    assert sum(bit_counts(bits).values()) == values.size
