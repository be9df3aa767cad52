"""``python -m services.notification``: serve the notification API."""

from shared.runtime.serve import serve

from .bootstrap import build, create_app
from .settings import NotificationSettings

if __name__ == "__main__":
    settings = NotificationSettings()
    serve(create_app(build(settings)), settings)
