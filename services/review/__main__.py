"""``python -m services.review [--role all|api|background] [--workers N]``: serve the review service
in the role given (shared/runtime/serve.py)."""

from shared.runtime.serve import main

from .bootstrap import app_from_environment
from .settings import ReviewSettings

if __name__ == "__main__":
    main(ReviewSettings, app_from_environment)
