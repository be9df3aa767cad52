"""``python -m services.review``: serve the review API."""

from shared.runtime.serve import serve

from .bootstrap import build, create_app
from .settings import ReviewSettings

if __name__ == "__main__":
    settings = ReviewSettings()
    serve(create_app(build(settings)), settings)
