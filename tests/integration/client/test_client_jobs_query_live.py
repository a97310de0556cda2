"""Finding jobs against the real local service: by name, tag, status and backend; by id; across instances."""

from __future__ import annotations

import pytest

from ibmq_widgets import exceptions as exc
from ibmq_widgets.client import JobStatus


def test_jobs_are_found_by_name_tag_status_and_backend(finished):
    provider, job, tag = finished
    by_name = provider.backends.jobs(job_name="two-circuits", limit=None)
    assert job.job_id() in [j.job_id() for j in by_name]
    assert [j.job_id() for j in provider.backends.jobs(job_tags=[tag])] == [job.job_id()]
    assert [j.job_id() for j in provider.backends.jobs(job_tags=[tag, "absent"], job_tags_operator="OR")] == [
        job.job_id()
    ]
    assert provider.backends.jobs(job_tags=[tag, "absent"], job_tags_operator="AND") == []
    done = provider.backends.jobs(status=JobStatus.DONE, job_tags=[tag])
    assert [j.job_id() for j in done] == [job.job_id()]
    assert provider.backends.jobs(status="RUNNING", job_tags=[tag]) == []
    on_backend = provider.get_backend("ibmq_manila").jobs(limit=50)
    assert job.job_id() in [j.job_id() for j in on_backend]
    assert provider.get_backend("ibmq_lima").jobs(job_tags=[tag]) == []
    before = provider.session.request_count
    listed = provider.backends.jobs(limit=5)
    assert provider.session.request_count - before == 1  # one page, no request per job
    assert all(j.status(refresh=False) in JobStatus for j in listed)


def test_retrieve_job(finished):
    provider, job, _ = finished
    again = provider.backends.retrieve_job(job.job_id())
    assert again.job_id() == job.job_id() and again.name() == "two-circuits"
    assert again.result().get_counts("first") == job.result().get_counts("first")
    assert provider.get_backend("ibmq_manila").retrieve_job(job.job_id()).job_id() == job.job_id()
    with pytest.raises(exc.IBMQBackendError, match="ran on 'ibmq_manila'"):
        provider.get_backend("ibmq_lima").retrieve_job(job.job_id())


def test_a_job_id_that_does_not_exist(provider):
    with pytest.raises(exc.IBMQJobNotFound, match="has no job 'no-such-job'") as info:
        provider.backends.retrieve_job("no-such-job")
    assert isinstance(info.value, LookupError)


def test_another_instance_cannot_see_the_job(finished, open_provider):
    _, job, _ = finished
    with pytest.raises(exc.IBMQJobNotFound):
        open_provider.backends.retrieve_job(job.job_id())


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"start_datetime": "garbage"}, "start_datetime"),
        ({"end_datetime": object()}, "end_datetime"),
        ({"status": 42}, "status"),
        ({"limit": "10"}, "limit"),
    ],
)
def test_bad_filters_name_the_argument_before_any_request(provider, kwargs, name):
    before = provider.session.request_count
    for jobs in (provider.backends.jobs, provider.get_backend("ibmq_qasm_simulator").jobs):
        with pytest.raises(exc.IBMQJobValueError, match=f"^{name} must be") as info:
            jobs(**kwargs)
        assert isinstance(info.value, ValueError)
    assert provider.session.request_count - before <= 1  # the listing behind get_backend, no GET /jobs
