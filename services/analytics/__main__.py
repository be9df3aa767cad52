"""``python -m services.analytics [--role all|api|background] [--workers N]``: serve the analytics service
in the role given (shared/runtime/serve.py)."""

from shared.runtime.serve import main

from .bootstrap import app_from_environment
from .settings import AnalyticsSettings

if __name__ == "__main__":
    main(AnalyticsSettings, app_from_environment)
