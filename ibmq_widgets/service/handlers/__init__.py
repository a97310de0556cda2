"""The tornado RequestHandlers of the local service, one module per resource.

auth (POST /identity/token, GET /), backends, instances, jobs; base holds what they share (JSON errors,
bearer-token auth, the Service-CRN instance) and job_views how a stored job looks on the wire.
"""
