"""Device noise, cheap for small circuits on large devices.

A circuit transpiled for a 156-qubit device is 156 qubits wide even when it touches five. Simulating it with
the whole device's noise model (what qiskit-ibm-runtime's local testing mode does) costs seconds, nearly all
of it building and applying noise for qubits the circuit never uses. Here the circuit is first cut down to its
active qubits, and the noise model is built for just those qubits and the gates among them: the same errors
qiskit-aer's ``NoiseModel.from_backend`` derives (depolarizing + thermal relaxation per gate, readout errors,
relaxation on delays), restricted to a small sub-target.

Untouched qubits stay in |0>, exactly, so cutting them changes nothing measurable: their classical bits read 0
and, for the Estimator, a Pauli term is multiplied by 1 for each I or Z on them and vanishes for an X or Y.

Per worker process, ``DeviceNoise`` keeps each device's full Target (built once) and the noise of the qubit
sets seen lately, in the forms qiskit-aer consumes without converting them again on every run: a
``NoiseModel`` that keeps its serialised dict (``FrozenNoiseModel``), and per-gate superoperators with readout
errors (``exact_noise.ExactNoise``) for circuits simulated as a density matrix.
"""

from __future__ import annotations

import copy
import functools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from qiskit.circuit import Barrier, CircuitInstruction, QuantumCircuit
from qiskit.transpiler import Target
from qiskit_aer.noise import NoiseModel

from ibmq_widgets.service.exact_noise import ExactNoise

__all__ = [
    "CutCircuit",
    "DeviceNoise",
    "FrozenNoiseModel",
    "cut_to_active_qubits",
    "reduce_pauli_terms",
    "sub_target",
    "used_instructions",
]

# Instructions that do nothing to a qubit's state worth simulating when nothing else touches it.
_PASSIVE = frozenset({"barrier", "delay"})
_NOISE_MODELS_KEPT = 64


@dataclass
class CutCircuit:
    """A circuit cut to its active qubits.

    ``qubits[i]`` is the original index of qubit ``i`` of ``circuit``; ``width`` the original width.
    """

    circuit: QuantumCircuit
    qubits: tuple[int, ...]
    width: int

    @functools.cached_property
    def used(self) -> frozenset[tuple[str, tuple[int, ...]]] | None:
        """``used_instructions`` of the cut circuit (worked out once)."""
        return used_instructions(self.circuit)


def cut_to_active_qubits(circuit: QuantumCircuit) -> CutCircuit:
    """The circuit on just the qubits its operations act on (barriers and delays do not count).

    Classical bits and registers are kept as they are, so results keep their register names and bit order.
    A circuit whose every qubit is active is returned itself, not copied.
    Control-flow operations keep their bodies: a body's qubits are bound to the instruction's qubits by
    position, so remapping the instruction is enough.
    """
    index = {bit: i for i, bit in enumerate(circuit.qubits)}
    # ``inst.name`` rather than ``inst.operation.name``: the latter builds a Python gate object each time.
    active = sorted({index[q] for inst in circuit.data if inst.name not in _PASSIVE for q in inst.qubits})
    if not active:
        active = [0] if circuit.num_qubits else []
    if len(active) == circuit.num_qubits:
        return CutCircuit(circuit, tuple(active), circuit.num_qubits)  # nothing to cut: the circuit as it is
    new_index = {old: new for new, old in enumerate(active)}
    cut = QuantumCircuit(
        len(active), name=circuit.name, global_phase=circuit.global_phase, metadata=circuit.metadata
    )
    for creg in circuit.cregs:
        cut.add_register(creg)
    loose = [bit for bit in circuit.clbits if not circuit.find_bit(bit).registers]
    if loose:
        cut.add_bits(loose)
    for param_var in circuit.iter_input_vars():
        cut.add_input(param_var)
    new_qubits = {old_bit: cut.qubits[new_index[i]] for old_bit, i in index.items() if i in new_index}
    for inst in circuit.data:
        if inst.name in _PASSIVE:
            qubits = [new_qubits[q] for q in inst.qubits if q in new_qubits]
            if not qubits:
                continue
            operation = inst.operation
            if inst.name == "barrier" and len(qubits) != operation.num_qubits:
                operation = Barrier(len(qubits))
            cut._append(CircuitInstruction(operation, qubits, inst.clbits))
            continue
        # _append skips append's broadcasting and checks: the instruction was valid in the original circuit;
        # replace() keeps the operation as it is stored, without building a Python object for it.
        cut._append(inst.replace(qubits=[new_qubits[q] for q in inst.qubits]))
    return CutCircuit(cut, tuple(active), circuit.num_qubits)


def reduce_pauli_terms(terms: dict[str, float], cut: CutCircuit) -> dict[str, float]:
    """An observable (Pauli label -> coefficient, qubit 0 rightmost) restricted to the cut's qubits.

    Untouched qubits are in |0>: I and Z there contribute a factor 1, X and Y make the term's expectation 0.
    """
    keep = cut.qubits
    active = set(keep)
    reduced: dict[str, float] = {}
    for label, coeff in terms.items():
        if len(label) != cut.width:
            raise ValueError(
                f"observable {label!r} acts on {len(label)} qubits but the circuit has {cut.width}; "
                "apply the circuit's layout to the observable (observable.apply_layout(circuit.layout))"
            )
        chars = label[::-1]  # chars[q] is qubit q
        if any(chars[q] in "XY" for q in range(cut.width) if q not in active):
            continue
        small = "".join(chars[q] for q in keep)[::-1]
        reduced[small] = reduced.get(small, 0.0) + coeff
    return reduced or {"I" * len(keep): 0.0}


def used_instructions(circuit: QuantumCircuit) -> frozenset[tuple[str, tuple[int, ...]]] | None:
    """The (name, qubit indices) pairs a circuit applies, or None if control flow hides some."""
    index = {bit: i for i, bit in enumerate(circuit.qubits)}
    used = set()
    for inst in circuit.data:
        # inst.name and is_control_flow(), not inst.operation: that builds a Python gate each time
        if inst.is_control_flow():
            return None
        used.add((inst.name, tuple(index[q] for q in inst.qubits)))
    return frozenset(used)


def sub_target(
    target: Target, qubits: tuple[int, ...], used: frozenset[tuple[str, tuple[int, ...]]] | None = None
) -> Target:
    """The part of ``target`` on ``qubits`` (renumbered 0..k-1): their properties and the gates among them.

    With ``used`` (pairs of name and renumbered qubits, see ``used_instructions``), only those instructions
    keep their error data: the others stay in the target as ideal, so building noise for them costs nothing.
    """
    new_index = {old: new for new, old in enumerate(qubits)}
    qubit_properties = None
    if target.qubit_properties:
        qubit_properties = [target.qubit_properties[q] for q in qubits]
    small = Target(
        num_qubits=len(qubits),
        dt=target.dt,
        granularity=target.granularity,
        min_length=target.min_length,
        pulse_alignment=target.pulse_alignment,
        acquire_alignment=target.acquire_alignment,
        qubit_properties=qubit_properties,
    )
    for name in target.operation_names:
        operation = target.operation_from_name(name)
        if isinstance(operation, type):  # variadic (control flow): on any qubits, no noise of its own
            small.add_instruction(operation, name=name)
            continue
        props = target[name]
        if not props or None in props:
            continue
        kept = {
            tuple(new_index[q] for q in qargs): inst_props
            for qargs, inst_props in props.items()
            if all(q in new_index for q in qargs)
        }
        if used is not None and name != "measure":
            kept = {qargs: (p if (name, qargs) in used else None) for qargs, p in kept.items()}
        if kept:
            small.add_instruction(operation, kept, name=name)
    return small


@dataclass
class _CutBackend:
    """The few attributes of a BackendV2 that ``NoiseModel.from_backend`` reads."""

    target: Target
    version: int = 2
    operation_names: list[str] = field(default_factory=list)

    @property
    def dt(self) -> float | None:
        """The device's sample time in seconds (None if unknown)."""
        return self.target.dt


class FrozenNoiseModel(NoiseModel):
    """A ``NoiseModel`` that keeps the dict qiskit-aer makes of it on every run (``to_dict``, which aer calls
    for each ``run``): a device model of a few qubits takes milliseconds to serialise, every time.

    Changing it through its ``add_*`` methods drops the kept dict; a copy (aer deep-copies a model before
    adding errors carried by a circuit) is a plain ``NoiseModel``.
    """

    def __init__(self, model: NoiseModel) -> None:
        super().__init__()
        self.__dict__.update(model.__dict__)
        self._dicts: dict[bool, dict] = {}

    def to_dict(self, serializable: bool = False) -> dict:
        """``NoiseModel.to_dict``, made once per value of ``serializable``."""
        kept = self._dicts.get(serializable)
        if kept is None:
            kept = self._dicts[serializable] = super().to_dict(serializable=serializable)
        return kept

    def __deepcopy__(self, memo: dict) -> NoiseModel:
        plain = NoiseModel()
        state = {key: value for key, value in self.__dict__.items() if key != "_dicts"}
        plain.__dict__.update(copy.deepcopy(state, memo))
        return plain


def _dropping_dicts(method: Any) -> Any:
    def changed(self: FrozenNoiseModel, *args: Any, **kwargs: Any) -> Any:
        self._dicts.clear()
        return method(self, *args, **kwargs)

    changed.__name__, changed.__doc__ = method.__name__, method.__doc__
    return changed


for _name in (
    "add_all_qubit_quantum_error",
    "add_quantum_error",
    "add_all_qubit_readout_error",
    "add_readout_error",
    "add_basis_gates",
):
    setattr(FrozenNoiseModel, _name, _dropping_dicts(getattr(NoiseModel, _name)))


@dataclass
class _Noise:
    """What ``DeviceNoise`` keeps for one set of qubits and instructions (each built on first use)."""

    target: Target
    model: FrozenNoiseModel | None = None
    exact: ExactNoise | None = None
    exact_built: bool = False


class DeviceNoise:
    """Noise for one device, per set of active qubits (and instructions used); the device's Target is built
    once. The last ``_NOISE_MODELS_KEPT`` sets are kept, each as a ``NoiseModel`` (with its serialised form)
    and as ``ExactNoise``, whichever was asked for.

    Parameters
    ----------
    target : Target
        The device's full target (from its configuration and properties snapshot).
    """

    def __init__(self, target: Target) -> None:
        self.target = target
        self._kept: OrderedDict[tuple, _Noise] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def _entry(self, qubits: tuple[int, ...], used: frozenset[tuple[str, tuple[int, ...]]] | None) -> _Noise:
        key = (qubits, used)
        entry = self._kept.get(key)
        if entry is None:
            entry = self._kept[key] = _Noise(sub_target(self.target, qubits, used))
            if len(self._kept) > _NOISE_MODELS_KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return entry

    def noise_model(
        self, qubits: tuple[int, ...], used: frozenset[tuple[str, tuple[int, ...]]] | None = None
    ) -> NoiseModel:
        """The noise model of the device restricted to ``qubits`` (renumbered 0..k-1), cached.

        ``used`` limits the errors built to the instructions a circuit applies (see ``sub_target``); the
        model is then exact for that circuit and any other applying a subset of them.
        """
        entry = self._entry(qubits, used)
        if entry.model is None:
            small = entry.target
            backend: Any = _CutBackend(small, operation_names=list(small.operation_names))
            entry.model = FrozenNoiseModel(NoiseModel.from_backend(backend))
        return entry.model

    def exact(
        self, qubits: tuple[int, ...], used: frozenset[tuple[str, tuple[int, ...]]] | None = None
    ) -> ExactNoise | None:
        """The same errors as ``noise_model`` as superoperators (see ``exact_noise``), cached; None if some
        error cannot be converted."""
        entry = self._entry(qubits, used)
        if not entry.exact_built:
            entry.exact, entry.exact_built = ExactNoise.from_target(entry.target), True
        return entry.exact
