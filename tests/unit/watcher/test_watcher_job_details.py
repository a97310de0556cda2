"""The details panel: a job's fields, then its counts histogram or its expectation values."""

from __future__ import annotations

from watcher_fakes import EstimatorResult, FakeJob, SamplerResult, Status

from ibmq_widgets.widgets.job_details import JobDetails, result_shots
from ibmq_widgets.widgets.job_rows import JobRowData

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_jobs_fields_then_its_histogram_with_one_image_per_experiment() -> None:
    details = JobDetails()
    assert details.layout.display == "none"
    data = JobRowData.from_job(FakeJob("j-1", Status.DONE, name="bell", tags=["t"], session_id="s-9", ran=3))
    details.show_job(data, "loading the result…")
    assert details.layout.display == "flex" and details.job_id == "j-1"
    fields = details._fields.value
    assert all(text in fields for text in ("j-1", "sampler", "s-9", "3 s", ">t<"))
    assert "loading the result" in details._message.value
    details.show_result(data, SamplerResult())
    assert bytes(details._plot.value).startswith(PNG) and details._plot.layout.display == "block"
    assert details._experiment.layout.display == "flex" and details._experiment.index == 0
    first = details._plot.value
    details._experiment.index = 1
    assert details._plot.value != first  # the other experiment's counts
    assert details._message.value == ""
    details.hide()
    assert details.layout.display == "none" and details.job_id is None


def test_expectation_values_are_plotted_and_listed() -> None:
    details = JobDetails()
    data = JobRowData.from_job(FakeJob("e-1", Status.DONE, program="estimator"))
    details.show_result(data, EstimatorResult())
    assert bytes(details._plot.value).startswith(PNG) and details._experiment.layout.display == "none"
    assert "ZZ" in details._values.value and "0.98" in details._values.value
    assert result_shots(EstimatorResult()) is None and result_shots(SamplerResult(shots=321)) == 321
