"""Where the widgets' data comes from, and the threads that fetch it: nothing here draws anything.

- ``background``: BackgroundWorker, the one worker thread of a widget (picker, plot, job-set table).
- ``poller``: Poller, the job watcher's polling thread (adaptive interval, backoff, Retry-After).
- ``backend_catalog``: the picker's model (bulk status of every backend, cached calibration medians).
- ``backend_data``: one backend's configuration and calibration, read through the client's public methods.
- ``properties``: calibration (BackendProperties) as pandas DataFrames and medians.

The views (``ibmq_widgets.widgets.*``) call into these modules; these modules never import ipywidgets, so the
data side is usable and testable without a notebook.
"""
