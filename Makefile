# Simpul — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.sha256

.PHONY: run test lint bench venv schema clean system-deps

# Debian tools the media pipeline runs (video posters, PDF pages), the ones the
# integration guide's examples use (docs/integration.md, run by the tests) and
# the reverse proxy the shipped configuration is tested with (deploy/nginx/).
SYSTEM_TOOLS := ffprobe ffmpeg pdftoppm pdfinfo rsvg-convert curl jq openssl nginx envsubst
system-deps:
	@for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg poppler-utils librsvg2-bin curl jq openssl nginx gettext-base; \
	fi

# (Re)install requirements only when requirements.txt changed.
venv: $(STAMP)
$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -r requirements.txt
	@sha256sum requirements.txt > $(STAMP)

run: venv system-deps
	$(PY) -m hub up

test: venv system-deps
	bash deploy/local/seaweedfs.sh build >/dev/null
	bash deploy/local/keycloak.sh fetch >/dev/null
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	HUB_ENV=test HUB_DATA_DIR=$${HUB_TEST_DATA_DIR:-var/test} $(PY) -m hub makemigrations --check --dry-run
	HUB_ENV=test HUB_DATA_DIR=$${HUB_TEST_DATA_DIR:-var/test} $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

schema: venv
	HUB_ENV=test HUB_DATA_DIR=$${HUB_TEST_DATA_DIR:-var/test} $(PY) -m hub export-schemas

bench: venv system-deps
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	HUB_DATA_DIR=$${HUB_BENCH_DATA_DIR:-var/bench} $(PY) -m tests.bench.run

clean:
	rm -rf var/test var/bench
