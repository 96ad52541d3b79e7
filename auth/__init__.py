"""Sign-in, grants, data scope and audit — enforced on the server."""

from auth import audit
from auth.web import (
    Forbidden,
    current_engine,
    current_settings,
    current_viewer,
    install,
    require_page,
)

__all__ = ["Forbidden", "audit", "current_engine", "current_settings", "current_viewer", "install",
           "require_page"]
