"""Extensions are created here and initialised in ``create_app`` (one instance per process)."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from ideation.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Pages, stylesheets and scripts go out compressed (zstd, brotli or gzip, as the browser asks);
# photos are compressed already, and answers under 500 bytes (/healthz) are left alone.
compress = Compress()
