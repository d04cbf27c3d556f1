# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Tests never use a real secret; production sets DJANGO_SECRET_KEY itself.
TEST_ENV := DJANGO_SECRET_KEY=test-only-not-a-secret

.PHONY: install run test test-fast lint format bench soak scale-check wrk clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The web server, a task worker and the reminder scheduler together (Procfile, via honcho).
# A first run writes .env with a VAPID key pair for Web Push (honcho reads it).
run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate
	test -f .env || DJANGO_DEBUG=1 $(PY) manage.py make_vapid_keys > .env
	DJANGO_DEBUG=1 $(VENV)/bin/honcho start -f Procfile

# The browser tests (tests/e2e) drive Debian's chromium; without it they skip, and say so.
CHROMIUM := /usr/bin/chromium
E2E_SKIPPED_NOTE := e2e: chromium not found at $(CHROMIUM) - browser tests SKIPPED

test: install
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	@test -x $(CHROMIUM) || echo "$(E2E_SKIPPED_NOTE)"
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	  test -x $(CHROMIUM) || echo "$(E2E_SKIPPED_NOTE)"; exit $${status:-0}

# The benchmark (README "Benchmarks"): seeds PostgreSQL, measures, rewrites BENCHMARKS.md.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/magnesium_bench
BENCH_USERS ?= 1000
BENCH_DAYS ?= 365

# wrk (the load generator) comes from Debian; as root on a machine without it, install it.
wrk:
	@command -v wrk >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null \
	  && apt-get install -y -q wrk >/dev/null; } || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }

bench: install wrk
	$(PY) bench/run.py --db-url $(BENCH_DATABASE_URL) --users $(BENCH_USERS) \
		--days $(BENCH_DAYS) $(BENCH_ARGS)

# The load run (README "Benchmarks"): mixed reads and writes on loopback for a bounded
# time (at most 120 s); fails on any error or when rows differ from the writes acknowledged.
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mg_soak
SOAK_SECONDS ?= 60

soak: install wrk
	$(PY) bench/soak.py --db-url $(SOAK_DATABASE_URL) --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

# Two app servers, two task workers, one PostgreSQL and one Redis (README "Several app
# servers"): no stale page across servers, lock-outs on both, 1,000 reminders sent once each.
# Recreates (then drops) the database; its Redis keys carry their own prefix and are deleted.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mgs_scale
SCALE_REDIS_URL ?= redis://127.0.0.1:6379/13

scale-check: install
	REDIS_URL=$(SCALE_REDIS_URL) $(PY) bench/scale_check.py --db-url $(SCALE_DATABASE_URL) \
		$(SCALE_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
