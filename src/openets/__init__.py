"""OpenETS: an open-source platform for running a regional carbon emissions trading system.

The public surface is small: build an application with :func:`bootstrap` and call the
services of each capability (``openets.registry.services``) with it.
"""

from openets.bootstrap import App, bootstrap
from openets.errors import Conflict, InvalidInput, NotFound, OpenETSError, RuleViolation

__version__ = "0.1.0"

__all__ = [
    "App",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "OpenETSError",
    "RuleViolation",
    "__version__",
    "bootstrap",
]
