"""Registration's composition root: the one place that wires settings, backbone, handlers and API."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.auth import KeySetVerifier
from shared.bus import Bus
from shared.privacy import KeyVault
from shared.regions import PackagedRegions
from shared.runtime import Backbone, create_service_app
from shared.runtime.serve import process_app
from shared.web.answer_cache import Answers

from .adapters import signing_key
from .adapters.access_store import SqlAccountRecords
from .adapters.activity_store import SqlActivityStore
from .adapters.attempt_buckets import SqlAttemptBuckets
from .adapters.campaign_store import SqlCampaignStore
from .adapters.draft_store import SqlDraftStore
from .adapters.key_plan_store import SqlKeyPlanStore
from .adapters.password_hashing import Argon2Hashing, Argon2Parameters
from .adapters.personal_keys import PersonalKeys
from .adapters.region_centres import PackagedCentres
from .adapters.route_store import SqlRouteStore
from .adapters.tables import metadata
from .api.errors import install_error_handlers
from .api.routes import accounts as account_routes
from .api.routes import activities, dashboard, drafts, erasures, media, showcase, units
from .api.routes import campaigns as campaign_routes
from .api.routes import directory as directory_routes
from .api.routes import key_plans as key_plan_routes
from .api.routes import passwords as password_routes
from .api.routes import science_routes as route_routes
from .api.routes import sheets as sheet_routes
from .container import Registration
from .directory import Directory
from .directory.admissions import AdmissionCache
from .directory.listing import RegionCentres
from .directory.participation import Participation
from .directory.pseudonyms import participant_key
from .directory.queries import DirectoryQueries
from .directory.routes import PublicRoutes
from .directory.throttle import TokenBucket
from .media.files import FileMediaStore
from .media.inspection import Limits
from .media.library import MediaLibrary
from .media.s3 import S3Location, S3MediaStore
from .media.store import MediaStore
from .projections.directory import DirectoryProjection
from .projections.review_outcomes import ReviewOutcomeProjection
from .projections.showcase import ShowcaseProjection
from .service.access import Access
from .service.accounts import Accounts
from .service.activities import Activities, CampaignBook
from .service.campaigns import Campaigns
from .service.drafts import Drafts
from .service.erasure import Erasures
from .service.key_plans import KeyPlans
from .service.organizer_dashboard import Dashboard
from .service.passwords import Passwords
from .service.ports import Clock, system_clock
from .service.science_routes import ScienceRoutes
from .service.staff import StaffAccounts
from .service.throttles import AccountThrottles
from .settings import RegistrationSettings
from .sheets.gate import ImportGate

MIGRATIONS = "services.registration:migrations"


def build(
    settings: RegistrationSettings,
    *,
    clock: Clock = system_clock,
    regions: PackagedRegions | None = None,
    centres: RegionCentres | None = None,
    signing_key_pem: bytes | None = None,
    vault: KeyVault | None = None,
    media_store: MediaStore | None = None,
    engine: AsyncEngine | None = None,
    bus: Bus | None = None,
) -> Registration:
    """Registration wired from ``settings``; every port may be handed in instead of the one built here.

    ``clock`` tells the service layer the time; ``regions`` (GB/T 2260) and ``centres`` (division centres)
    default to the packaged data sets; ``signing_key_pem`` to the key file of the settings (created
    outside production); ``vault`` (the personal keys), ``media_store``, ``engine`` and ``bus`` to the
    ones the settings name. Nothing is opened until the app starts.
    """
    centres = centres or PackagedCentres()
    backbone = Backbone(
        settings,
        metadata,
        MIGRATIONS,
        projections=[ReviewOutcomeProjection(), DirectoryProjection(centres), ShowcaseProjection()],
        engine=engine,
        bus=bus,
    )
    regions = regions or PackagedRegions()
    key = signing_key_pem or _signing_key(settings)
    throttles = AccountThrottles(
        SqlAttemptBuckets(backbone.engine, key),
        sign_ups_per_address=settings.sign_ups_per_address,
        sign_ups_per_phone=settings.sign_ups_per_phone,
        sign_up_window_seconds=settings.sign_up_window_seconds,
        login_failures_per_login=settings.login_failures_allowed,
        login_failures_per_address=settings.login_failures_per_address,
        login_window_seconds=settings.login_window_seconds,
        resets_per_account=settings.password_resets_per_phone,
        resets_per_address=settings.password_resets_per_address,
        reset_window_seconds=settings.password_reset_window_seconds,
    )
    hashing = _password_hashing(settings)
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    accounts = Accounts(backbone, regions, key, ttl, throttles, hashing, SqlAccountRecords(backbone))
    passwords = Passwords(
        backbone, throttles, hashing, code_ttl=timedelta(minutes=settings.password_reset_code_minutes)
    )
    access = Access(backbone, key, ttl, published_max_age_s=settings.jwks_max_age_seconds)
    # Registration checks tokens exactly as the other services do, on the key set it publishes.
    verifier = KeySetVerifier(access.key_set, refresh_seconds=settings.token_revocation_refresh_seconds)
    campaigns = Campaigns(SqlCampaignStore(backbone))
    vault = vault or KeyVault(settings.key_vault_url)
    keys = PersonalKeys(backbone.engine, vault)
    key_plans = KeyPlans(SqlKeyPlanStore(backbone), regions)
    book = CampaignBook(campaigns)
    activities_ = Activities(SqlActivityStore(backbone), regions, book, keys, key_plans, clock=clock)
    return Registration(
        key_plans=key_plans,
        backbone=backbone,
        activities=activities_,
        accounts=accounts,
        passwords=passwords,
        password_hashing=hashing,
        staff=StaffAccounts(backbone),
        access=access,
        campaigns=campaigns,
        verifier=verifier,
        drafts=Drafts(SqlDraftStore(backbone), activities_),
        dashboard=Dashboard(backbone, campaigns),
        directory=_directory(backbone, settings, key),
        erasures=Erasures(backbone, keys, access),
        vault=vault,
        media=MediaLibrary(
            media_store or _media_store(settings),
            Limits(settings.media_photo_max_bytes, settings.media_video_max_bytes, settings.media_max_pixels),
        ),
        imports=ImportGate(settings.sheet_max_bytes),
        science_routes=ScienceRoutes(SqlRouteStore(backbone), book),
    )


def _password_hashing(settings: RegistrationSettings) -> Argon2Hashing:
    parameters = Argon2Parameters(
        settings.password_hash_time_cost, settings.password_hash_memory_kib, settings.password_hash_parallelism
    )
    return Argon2Hashing(
        parameters,
        workers=settings.password_hash_workers,
        pool=settings.password_hash_pool,
        niceness=settings.password_hash_niceness,
    )


def _signing_key(settings: RegistrationSettings) -> bytes:
    assert settings.jwt_private_key_file is not None
    return signing_key.load_or_create(settings.jwt_private_key_file, create=settings.environment != "production")


def _directory(backbone: Backbone, settings: RegistrationSettings, signing_key_pem: bytes) -> Directory:
    queries = DirectoryQueries(backbone.engine)
    admissions = AdmissionCache(queries.admissions, settings.directory_cache_ttl_seconds)
    limiter = TokenBucket(settings.directory_rate_burst, settings.directory_rate_per_minute)
    key = participant_key(settings.participant_key_file, signing_key_pem)
    age = settings.directory_answer_max_age_seconds
    answers = Answers(max_age_s=age) if age > 0 else None
    participation = Participation(backbone.writer, admissions, limiter, key)
    routes = PublicRoutes(backbone.engine, backbone.writer, queries, participation, limiter, key)
    return Directory(queries, participation, answers, routes)


def _media_store(settings: RegistrationSettings) -> MediaStore:
    if not settings.media_s3_endpoint:
        return FileMediaStore(settings.data_dir / "media")
    location = S3Location(
        settings.media_s3_endpoint,
        settings.media_s3_bucket,
        settings.media_s3_access_key,
        settings.media_s3_secret_key,
    )
    return S3MediaStore(location)


def create_app(registration: Registration) -> FastAPI:
    """The registration API over the container :func:`build` made; nothing is opened until the app starts."""
    app = create_service_app(
        backbone=registration.backbone,
        container=registration,
        title="Kepuri registration",
        description="Campaigns, organizer units, activities and the public directory.",
        routers=[
            sheet_routes.router,  # before activities: /activities/export.xlsx is not an id
            activities.router,
            drafts.router,
            dashboard.router,
            units.router,
            account_routes.router,
            password_routes.router,
            campaign_routes.router,
            directory_routes.router,
            showcase.router,
            route_routes.router,
            erasures.router,
            key_plan_routes.router,
            media.router,
        ],
        workers=[registration.vault, registration.password_hashing],
        body_limits={
            sheet_routes.IMPORT_PATH: registration.imports.max_bytes,
            media.UPLOAD_PATH: max(registration.media.limits.photo_bytes, registration.media.limits.video_bytes),
        },
    )
    install_error_handlers(app)
    return app


def app_from_environment() -> FastAPI:
    """The app ``python -m services.registration`` serves, from the environment's settings: uvicorn's app
    factory, called in each worker process, so every worker builds its own container."""
    return process_app(create_app(build(RegistrationSettings())))
