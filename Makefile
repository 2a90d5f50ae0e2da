# Readinglog: `make run` serves the demo as a user gets it, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
# A random key made once per checkout (git-ignored), so `make run` needs no setup.
SECRET_FILE := .secret_key

# `make run` is production mode on this machine only: DEBUG off, the app's own
# error pages, whitenoise for static files, gunicorn bound to 127.0.0.1 (which
# is why plain http and non-secure cookies are allowed), mail to the console.
LOCAL_ENV = DEBUG=0 SECRET_KEY="$$(cat $(SECRET_FILE))" \
	ALLOWED_HOSTS=127.0.0.1,localhost CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$(PORT),http://localhost:$(PORT) \
	SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
	EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend SITE_URL=http://127.0.0.1:$(PORT)

.PHONY: run dev test lint fmt migrations-check install browser-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Readinglog needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

$(SECRET_FILE):
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

# Text is rendered to HTML when it is saved; `rerender` renders what an older
# checkout saved with this one's renderer (issue #9), about 0.5 ms a text.
run: $(STAMP) $(SECRET_FILE)
	@$(LOCAL_ENV) $(BIN)/python manage.py migrate --no-input
	@$(LOCAL_ENV) $(BIN)/python manage.py rerender --verbosity 0
	@$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@$(LOCAL_ENV) $(BIN)/python manage.py load_demo --port $(PORT)
	@echo "Serving http://127.0.0.1:$(PORT)/ (DEBUG off; Ctrl+C stops; make dev for the debug server)"
	@$(LOCAL_ENV) $(BIN)/gunicorn readinglog.wsgi --bind 127.0.0.1:$(PORT) --workers 3 --timeout 120 --access-logfile -

# The development server: DEBUG on (Django's debug pages), code reloaded on save.
dev: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py rerender --verbosity 0
	$(BIN)/python manage.py load_demo --port $(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP) lint migrations-check
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal staticfiles $(SECRET_FILE)
