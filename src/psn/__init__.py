"""Profiled Sparse Networks (PSN).

Rooms: ``psn.data`` (datasets), ``psn.masks`` (fan-in profiles, spreading, masks),
``psn.model`` (batched masked MLPs), ``psn.training`` (the batched training engine),
``psn.analysis`` (statistics over results), ``psn.render`` (figures and tables),
``psn.config`` (workflow configuration), ``psn.provenance`` (metadata every result carries).
"""

__version__ = "0.1.0"
