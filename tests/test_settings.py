"""Settings come from the environment; production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#k2!vQ9@pL4$wZ8^mN3&bR6*tY1(cF5)hJ0-gD_sA+eU=oI[qP]lK{jH}",
    "ALLOWED_HOSTS": "reading.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://reading.example.org",
}


def manage(*args, **env):
    inherited = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_development_settings_warn_in_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


def test_secret_key_is_required_when_debug_is_off():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_bad_boolean_is_a_configuration_error():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be 1/0, true/false, yes/no or on/off, not 'maybe'" in result.stderr


def test_ssl_redirect_can_be_turned_off_behind_a_proxy():
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"
    result = manage("shell", "-c", code, **PRODUCTION, SECURE_SSL_REDIRECT="0")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1] == "True", result.stderr


def test_database_url_selects_postgresql():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = manage("shell", "-c", code, DATABASE_URL="postgres://u@db.example:5432/rl")
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql", result.stderr


def test_the_forwarded_proto_header_is_trusted_only_when_asked():
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1] == "None", result.stderr
    result = manage("shell", "-c", code, **PRODUCTION, TRUST_X_FORWARDED_PROTO="1")
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout, result.stderr


def test_production_settings_let_health_probes_in_over_plain_http():
    script = (
        "from django.test import Client; "
        "print(Client().get('/healthz').status_code, Client().get('/accounts/login/').status_code)"
    )
    result = manage("shell", "-c", script, **{**PRODUCTION, "ALLOWED_HOSTS": "testserver"})
    assert result.stdout.split()[-2:] == ["200", "301"], result.stderr
