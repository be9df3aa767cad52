"""``python -m services.registration [--role all|api|background] [--workers N]``: serve the registration service
in the role given (shared/runtime/serve.py)."""

from shared.runtime.serve import main

from .bootstrap import app_from_environment
from .settings import RegistrationSettings

if __name__ == "__main__":
    main(RegistrationSettings, app_from_environment)
