# Dixian 底线. `make run` serves the app with the demo county; `make test` runs every test. Both install what is
# missing first: Debian packages (PostgreSQL 15, PostGIS 3, pgRouting, Chromium for browser tests) and .venv.
SHELL := /bin/bash
PY    := .venv/bin/python
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting chromium chromium-driver fonts-noto-cjk

.PHONY: run test setup system venv db demo bench clean-db
# The first admin: made from DIXIAN_ADMIN_PASSWORD (login DIXIAN_ADMIN_LOGIN, default admin) when there is none yet;
# without it, the command to make one is printed. printf is a shell builtin: the password is in no process list.
run: setup db
	$(PY) -m geo demo --if-empty
	@if $(PY) -c 'import sys; from accounts.first_admin import has_admin; sys.exit(0 if has_admin() else 1)'; then :; \
	elif [ -n "$$DIXIAN_ADMIN_PASSWORD" ]; then \
	  printf '%s\n' "$$DIXIAN_ADMIN_PASSWORD" | $(PY) -m accounts create-admin --login "$${DIXIAN_ADMIN_LOGIN:-admin}" \
	    --display-name 管理员 --password-stdin; \
	else \
	  $(PY) -c 'from accounts.first_admin import HINT; print(HINT)'; \
	fi
	$(PY) -m geo serve

test: setup db
	$(PY) -m pytest -q $(PYTEST_ARGS)

setup: system venv

# Only the packages not yet installed, so a ready machine costs nothing here.
system:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The project itself is installed editable after its pinned requirements: its entry points (pyproject.toml) are how
# each capability registers its commands.
venv: .venv/.installed
.venv/.installed: requirements.txt pyproject.toml
	[ -x $(PY) ] || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

db:
	$(PY) -m geo db up

demo: setup db
	$(PY) -m geo demo

bench: setup db
	$(PY) -m geo bench --json var/bench.json

# Stop and remove the embedded cluster (its data is lost), wherever it lives (var/pgdata, or /var/lib/dixian/<hash>
# for a clone its user cannot reach).
clean-db:
	$(PY) -m geo db remove
