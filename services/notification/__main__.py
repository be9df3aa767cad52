"""``python -m services.notification [--role all|api|background] [--workers N]``: serve the notification service
in the role given (shared/runtime/serve.py)."""

from shared.runtime.serve import main

from .bootstrap import app_from_environment
from .settings import NotificationSettings

if __name__ == "__main__":
    main(NotificationSettings, app_from_environment)
