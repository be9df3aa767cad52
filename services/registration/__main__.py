"""``python -m services.registration``: serve the registration API."""

from shared.runtime.serve import serve

from .bootstrap import build, create_app
from .settings import RegistrationSettings

if __name__ == "__main__":
    settings = RegistrationSettings()
    serve(create_app(build(settings)), settings)
