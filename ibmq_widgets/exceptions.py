"""Every exception ibmq_widgets raises, in one tree.

Errors caused by a caller's bad argument also subclass ``ValueError`` (or ``LookupError`` for a name or id
that does not exist), so callers can catch them by meaning. No message ever contains a token or an API key.

::

    IBMQError
    ├── IBMQAccountError
    │   ├── IBMQAccountCredentialsNotFound
    │   ├── IBMQAccountCredentialsInvalid          (ValueError)
    │   ├── IBMQAccountCredentialsExist            (credentials saved already; pass overwrite=True)
    │   └── IBMQProviderNotFound                   (LookupError)
    ├── IBMQApiError                               (status, code, request_id)
    │   ├── IBMQAuthenticationError                (401, 403)
    │   ├── IBMQBadRequestError                    (400, 409, 413, 422; ValueError)
    │   ├── IBMQNotFoundError                      (404; LookupError)
    │   ├── IBMQRateLimitError                     (429; retry_after)
    │   └── IBMQServerError                        (5xx)
    ├── IBMQConnectionError                        (no answer after the retries)
    ├── IBMQBackendError
    │   ├── IBMQBackendNotFound                    (LookupError; suggests near names)
    │   ├── IBMQBackendJobLimitError               (the backend's concurrent job limit is reached)
    │   └── IBMQBackendValueError                  (ValueError; a circuit or option the backend cannot take)
    ├── IBMQJobError
    │   ├── IBMQJobNotFound                        (LookupError)
    │   ├── IBMQJobFailureError                    (the job failed or was cancelled)
    │   ├── IBMQJobTimeoutError                    (TimeoutError)
    │   ├── IBMQJobInvalidStateError
    │   ├── IBMQJobValueError                      (ValueError; a bad filter, tag or wait time)
    │   ├── IBMQExperimentNotFound                 (LookupError; no such experiment in a result)
    │   └── IBMQJobResultTypeError                 (TypeError; counts of an Estimator result, or the reverse)
    ├── IBMQSessionError                           (a session or batch)
    │   ├── IBMQSessionClosedError                 (the session no longer accepts jobs)
    │   └── IBMQSessionValueError                  (ValueError; a bad max_time, a session of another backend)
    ├── IBMQJobManagerError
    │   ├── IBMQJobManagerUnknownJobSet            (LookupError)
    │   ├── IBMQJobManagerInvalidStateError
    │   ├── IBMQJobManagerValueError               (ValueError; a bad argument to the job manager)
    │   ├── IBMQJobManagerTimeoutError             (TimeoutError; a job set's results did not arrive in time)
    │   └── IBMQManagedResultDataNotAvailable      (an experiment whose job did not succeed)
    └── LocalServiceError                          (the embedded service could not start, or the server that
                                                    owns the data directory does not answer)
"""

from __future__ import annotations

__all__ = [
    "IBMQAccountCredentialsExist",
    "IBMQAccountCredentialsInvalid",
    "IBMQAccountCredentialsNotFound",
    "IBMQAccountError",
    "IBMQApiError",
    "IBMQAuthenticationError",
    "IBMQBackendError",
    "IBMQBackendJobLimitError",
    "IBMQBackendNotFound",
    "IBMQBackendValueError",
    "IBMQBadRequestError",
    "IBMQConnectionError",
    "IBMQError",
    "IBMQExperimentNotFound",
    "IBMQJobError",
    "IBMQJobFailureError",
    "IBMQJobInvalidStateError",
    "IBMQJobManagerError",
    "IBMQJobManagerInvalidStateError",
    "IBMQJobManagerTimeoutError",
    "IBMQJobManagerUnknownJobSet",
    "IBMQJobManagerValueError",
    "IBMQJobNotFound",
    "IBMQJobResultTypeError",
    "IBMQJobTimeoutError",
    "IBMQJobValueError",
    "IBMQManagedResultDataNotAvailable",
    "IBMQNotFoundError",
    "IBMQProviderNotFound",
    "IBMQRateLimitError",
    "IBMQServerError",
    "IBMQSessionClosedError",
    "IBMQSessionError",
    "IBMQSessionValueError",
    "LocalServiceError",
]


class IBMQError(Exception):
    """Base class of every error raised by ibmq_widgets."""


# --- accounts -------------------------------------------------------------------------------------
class IBMQAccountError(IBMQError):
    """A problem with the account: credentials, providers."""


class IBMQAccountCredentialsNotFound(IBMQAccountError):
    """No credentials were found where they were looked for."""


class IBMQAccountCredentialsInvalid(IBMQAccountError, ValueError):
    """Credentials were given but are malformed."""


class IBMQAccountCredentialsExist(IBMQAccountError):
    """Credentials are saved already; pass ``overwrite=True`` to replace them."""


class IBMQProviderNotFound(IBMQAccountError, LookupError):
    """No provider matches the hub, group and project asked for."""


# --- HTTP API --------------------------------------------------------------------------------------
class IBMQApiError(IBMQError):
    """The API answered with an error.

    Parameters
    ----------
    message : str
        What went wrong, from the server's ``{"error": {"message"}}`` when it sent one.
    status : int, optional
        The HTTP status code.
    code : str, optional
        The server's error code.
    request_id : str, optional
        The server's request id, for support.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"(HTTP {self.status}{', ' + self.code if self.code else ''})")
        return " ".join(parts)


class IBMQAuthenticationError(IBMQApiError):
    """The API refused the credentials (401 or 403)."""


class IBMQBadRequestError(IBMQApiError, ValueError):
    """The API rejected the request as malformed or out of bounds."""


class IBMQNotFoundError(IBMQApiError, LookupError):
    """The API has no such resource (404)."""


class IBMQRateLimitError(IBMQApiError):
    """The API asked the client to slow down (429).

    ``retry_after`` holds the seconds the server asked for, if it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class IBMQServerError(IBMQApiError):
    """The API failed on its side (5xx)."""


class IBMQConnectionError(IBMQError, ConnectionError):
    """The API could not be reached, after the retries."""


# --- backends -------------------------------------------------------------------------------------
class IBMQBackendError(IBMQError):
    """A problem with a backend."""


class IBMQBackendNotFound(IBMQBackendError, LookupError):
    """No backend has that name for this provider."""


class IBMQBackendJobLimitError(IBMQBackendError):
    """The backend's limit of concurrent jobs for this instance is reached; wait for a job to finish."""


class IBMQBackendValueError(IBMQBackendError, ValueError):
    """A circuit or run option the backend cannot take."""


# --- jobs -----------------------------------------------------------------------------------------
class IBMQJobError(IBMQError):
    """A problem with a job."""


class IBMQJobNotFound(IBMQJobError, LookupError):
    """No job has that id for this provider."""


class IBMQJobFailureError(IBMQJobError):
    """The job failed or was cancelled, so it has no result."""


class IBMQJobTimeoutError(IBMQJobError, TimeoutError):
    """Waiting for the job took longer than the timeout."""


class IBMQJobInvalidStateError(IBMQJobError):
    """The job is in a state that does not allow the operation."""


class IBMQJobValueError(IBMQJobError, ValueError):
    """A bad argument to a job method: a listing filter, a tag, a wait time."""


class IBMQExperimentNotFound(IBMQJobError, LookupError):
    """A result has no experiment with that index, name or circuit."""


class IBMQJobResultTypeError(IBMQJobError, TypeError):
    """The result is not of the kind asked for: counts of an Estimator job, expectation values of a Sampler
    job."""


# --- sessions and batches -------------------------------------------------------------------------
class IBMQSessionError(IBMQError):
    """A problem with a session or a batch."""


class IBMQSessionClosedError(IBMQSessionError):
    """The session (or batch) was closed or cancelled, or has expired: it accepts no more jobs."""


class IBMQSessionValueError(IBMQSessionError, ValueError):
    """A bad argument about a session: ``max_time`` not positive, a session of another backend or account."""


# --- job manager ----------------------------------------------------------------------------------
class IBMQJobManagerError(IBMQError):
    """A problem with a managed job set."""


class IBMQJobManagerUnknownJobSet(IBMQJobManagerError, LookupError):
    """No job set has that id."""


class IBMQJobManagerInvalidStateError(IBMQJobManagerError):
    """The job set is in a state that does not allow the operation."""


class IBMQJobManagerValueError(IBMQJobManagerError, ValueError):
    """A bad argument to the job manager (experiments, tags, names, limits)."""


class IBMQJobManagerTimeoutError(IBMQJobManagerError, TimeoutError):
    """The results of a job set did not all arrive before the timeout."""


class IBMQManagedResultDataNotAvailable(IBMQJobManagerError):
    """An experiment's job did not succeed, so its result is not available."""


# --- local service --------------------------------------------------------------------------------
class LocalServiceError(IBMQError):
    """The local service could not be started or reached.

    Also raised when ``service.json`` says a long-lived server (``ibmq-widgets serve``, a Jupyter server) owns the
    data directory but it does not answer: the message names it (url, pid) and says how to restart it.
    """
