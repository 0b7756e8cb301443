"""Settings shared by every environment.

Deployment-specific values come from environment variables in ``production.py``; the
rules of the law-study programme (hours, pass marks, validity periods) are settings with
the defaults from the design so that a city can change them without touching code.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
SHARED_DIR = Path(__import__("os").environ.get("SHARED_DIR", BASE_DIR.parent / "shared"))

INSTALLED_APPS = [
    "cms",
    "cms.people",
    "cms.laws",
    "cms.courses",
    "learning",
    "exams",
    "certification",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "cms.people.apps.PeopleUsersAppConfig",  # wagtail.users with our user viewset
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cms.people.middleware.StaffMfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "OPTIONS": {
            # WAL and a busy timeout let the dev server and the task worker share the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- django-allauth: employee number or e-mail, no sign-up, TOTP for staff ----------------
ACCOUNT_ADAPTER = "cms.people.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = "employee_number"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    # Per client: an exam room or office behind one NAT signs in at the same minute.
    "login": "300/m/ip",
    # Failed logins: per client over all accounts (password spraying), and per account *and*
    # client ("key", see cms.people.adapters), so a stranger cannot lock a colleague out.
    "login_failed": "100/10m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# The slower per-account fuse over all clients (cms.people.lockout): this many failures within
# the window lock the account for the lock period; a password reset opens it at once.
LOGIN_ACCOUNT_FUSE_FAILURES = 30
LOGIN_ACCOUNT_FUSE_WINDOW_SECONDS = 60 * 60
LOGIN_ACCOUNT_FUSE_LOCK_SECONDS = 30 * 60
# Reverse proxies in front of the app servers that append to X-Forwarded-For (nginx: 1).
# The client IP for rate limits is taken that many entries from the right; 0 = REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = 0
# A reset link proves the mailbox, not the second factor: never log in on reset.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
MFA_ADAPTER = "cms.people.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "依法行政学法考法平台"
MFA_RECOVERY_CODE_COUNT = 10
# Accept the neighbouring 30-second code too: office PCs and phones drift by a few seconds.
MFA_TOTP_TOLERANCE = 1

# Wagtail's own login page hands over to allauth so that MFA applies to the admin too
# (/admin/login/ itself redirects, see cms/urls.py); resetting passwords is allauth's job.
WAGTAILADMIN_LOGIN_URL = "account_login"
# Pages restricted to signed-in people send visitors to allauth's login too.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "/media/"
# Private files (HR exports, certificate and card zips, question imports awaiting
# confirmation) live in their own storage, outside MEDIA_ROOT, under random names, and are
# only ever answered by views that check the requester (cms/private_files.py). Production reads
# PRIVATE_STORAGE_ROOT from the environment; a deployment may also swap the backend (e.g. S3).
PRIVATE_STORAGE_ROOT = BASE_DIR / "var" / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "private": {
        "BACKEND": "cms.private_files.PrivateFileSystemStorage",
        # Readable by the app's own user and group only (the web server never serves them).
        "OPTIONS": {
            "location": PRIVATE_STORAGE_ROOT,
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    },
}
# Private files are deleted this many days after they were made (manage.py purge_private_files,
# hourly); the job row stays and its page says the file has expired.
PRIVATE_FILE_RETENTION_DAYS = 7

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Every import (roster, offline training, candidate list, question bank) is checked against
# these limits before it is parsed (cms.spreadsheets.check_upload_limits); each refusal names
# the limit. The file as uploaded:
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# An xlsx is a zip: the sum of its members' uncompressed sizes, and the ratio of any large
# member (a real sheet compresses 5-30 times; a "zip bomb" thousands of times).
UPLOAD_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
UPLOAD_MAX_COMPRESSION_RATIO = 200
# Rows below the header row, columns, and non-empty cells of the first sheet (or the csv):
# the cells bound the memory a file within the other limits can take once read.
UPLOAD_MAX_ROWS = 50_000
UPLOAD_MAX_COLUMNS = 100
UPLOAD_MAX_CELLS = 1_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

WAGTAIL_SITE_NAME = "依法行政学法考法平台"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True

EMAIL_SUBJECT_PREFIX = "[学法考法平台] "
DEFAULT_FROM_EMAIL = "noreply@fazhi.example.gov.cn"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- Rules of the programme (DESIGN §3); all configurable per deployment ---------------
STUDY_HOURS_REQUIRED = {"default": 40, "enforcement_officer": 60}
EXAM_PASS_MARK = 60
GRADE_BANDS = [(90, _("优秀")), (80, _("良好")), (60, _("合格")), (0, _("不合格"))]
PRE_APPOINTMENT_VALIDITY_YEARS = 3
CREDENTIAL_VALIDITY_YEARS = 5
# Saves that arrive this long after an attempt's deadline are still accepted (network delay).
EXAM_NETWORK_GRACE_SECONDS = 30
# Papers of equal difficulty (exams/balance.py). Each paper's expected score (the sum of its
# questions' facility × points, out of 100) stays within this many points of the blueprint's
# target; a blueprint may turn balancing off.
EXAM_BALANCE_BAND = 2.0
# The author's difficulty (1 easiest … 5 hardest) as a prior facility, and its weight k in
# responses: facility = (n · observed + k · prior) / (n + k) for n graded responses.
EXAM_BALANCE_PRIOR_FACILITY = {1: 0.90, 2: 0.80, 3: 0.65, 4: 0.50, 5: 0.35}
EXAM_BALANCE_PRIOR_WEIGHT = 20
# Rounds of swap-improvement a draw may use before it takes the closest paper it found.
EXAM_BALANCE_MAX_SWAPS = 300
# The observed facilities of a blueprint's pool are shared by an exam day's draws this long.
EXAM_BALANCE_FACILITY_CACHE_SECONDS = 900
# Papers the session's papers page draws in memory to show the spread before the sitting.
EXAM_BALANCE_SIMULATED_PAPERS = 200
# Practice (练习): questions in one learner's daily practice (每日一练); right answers in a row
# that take a question out of the wrong-answer book (错题本); questions in a practice round.
PRACTICE_DAILY_COUNT = 5
WRONG_BOOK_CLEAR_STREAK = 2
PRACTICE_ROUND_SIZE = 10


# Item analysis (试题分析, README "Item analysis"): an item answered by at least
# ``min_candidates`` is flagged when its facility (mean score fraction) is above
# ``facility_max`` or below ``facility_min``, its discrimination (corrected point-biserial) is
# negative or below ``discrimination_min``, or a wrong option is chosen by fewer than
# ``distractor_min_rate`` of its candidates. Sessions with at most
# EXAMS_ITEM_ANALYSIS_INLINE_MAX graded attempts are analysed during the request; larger ones
# in the background (django-tasks) with a progress bar.
EXAMS_ITEM_FLAGS = {
    "min_candidates": 20,
    "facility_max": 0.95,
    "facility_min": 0.20,
    "discrimination_min": 0.15,
    "distractor_min_rate": 0.02,
}
EXAMS_ITEM_ANALYSIS_INLINE_MAX = 300

# --- Learning: active study time and the study-hour ledger (learning app, DESIGN §3) -----
# A lesson page sends a heartbeat this often while it is visible; each heartbeat credits at
# most this interval plus the tolerance (network jitter), measured on the server's clock
# against the person's previous heartbeat, so two tabs or devices never count twice.
STUDY_HEARTBEAT_SECONDS = 30
STUDY_HEARTBEAT_TOLERANCE_SECONDS = 5
# Which ledger kinds count toward a category's yearly requirement (STUDY_HOURS_REQUIRED above
# holds the hours); a requirement row in the admin overrides both for its year.
STUDY_HOURS_COUNTED_KINDS = {
    "default": ["online", "offline"],
    "enforcement_officer": ["online", "offline", "rotation"],
}

# --- Certification: credentials, certificates, public verification (certification app) -----
# Credential numbers: the issuing unit's 6-digit area code (inherited from the nearest
# ancestor unit that has one), the year of issue and a sequence per area code and year.
CREDENTIAL_NUMBER_PATTERN = "{area_code}{year}{seq:05d}"
# Certificate numbers: a prefix per kind, the year and a sequence per kind and year.
CERTIFICATE_NUMBER_PATTERN = "{prefix}{year}{seq:06d}"
CERTIFICATE_NUMBER_PREFIXES = {"pre_appointment": "RQ", "annual_learning": "XF"}
# Credentials whose validity ends within this many days are listed for renewal (换证).
CREDENTIAL_RENEWAL_WINDOW_DAYS = 60
# Legal basis recorded on suspensions and revocations made by the annual review.
CREDENTIAL_REVIEW_LEGAL_BASIS = "行政执法证件管理办法（年度审验）"
# Public verification (/verify/): at most this many look-ups per client IP per window, a
# fixed-window counter in the default cache (shared by all app processes in production).
VERIFY_RATE_LIMIT = 30
VERIFY_RATE_WINDOW_SECONDS = 600

# Reminders (提醒, cms.people.notifications; the daily ``manage.py send_reminders``): an exam
# closing within this many days that the person has not sat; study hours short of the year's
# requirement once this many weeks of the year are left; a result released within this many
# days (older ones are not news). A credential is reminded of when it is suspended, and when
# its validity ends within CREDENTIAL_RENEWAL_WINDOW_DAYS (the renewal window, below).
REMINDER_EXAM_CLOSING_DAYS = 3
REMINDER_HOURS_WEEKS_LEFT = 8
REMINDER_RESULT_RELEASED_WITHIN_DAYS = 14
# Notifications are e-mailed only within this many days of being created (so that turning
# e-mail back on does not send old news); the list page shows this many per page.
NOTIFICATION_EMAIL_WITHIN_DAYS = 3
NOTIFICATIONS_PER_PAGE = 20
