"""``python -m services.analytics``: serve the analytics API and run its projections."""

from shared.runtime.serve import serve

from .bootstrap import build, create_app
from .settings import AnalyticsSettings

if __name__ == "__main__":
    settings = AnalyticsSettings()
    serve(create_app(build(settings)), settings)
