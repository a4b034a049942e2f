# Two commands on a fresh machine:  make book   and   make test
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3.11)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BOOK_FLAGS ?= -W --keep-going

.PHONY: help venv book book-clean student notebooks browser live-env test unit lint format benchmark seeds data-verify clean

help:
	@echo "make book     create .venv, install the pinned stack, execute every chapter, build _build/html"
	@echo "make test     the same set-up, then the whole test suite (unit, chapters, book, browser)"
	@echo "make student  the student site (_build/student) and student notebooks, without solutions"
	@echo "make notebooks  regenerate notebooks/ (the student notebooks the launch buttons open)"
	@echo "make lint     ruff check and format check"
	@echo "make benchmark  measure chapter time/memory, build time and explain costs"
	@echo "make seeds    retrain the networks of chapters 2, 4, 5, 6 with seeds 0-4 (results/seeds_*.npz)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null || { \
	  echo "error: xai4ess needs Python 3.11 (the pinned TensorFlow 2.14 and iNNvestigate 2.1 do not support other versions)."; \
	  echo "       '$(PYTHON)' is missing or is not 3.11. Install Python 3.11, then run: make PYTHON=/path/to/python3.11 ..."; \
	  exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)

book-clean: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . --all $(BOOK_FLAGS)

student: $(STAMP)
	$(BIN)/python tools/student.py

notebooks: $(STAMP)
	$(BIN)/python tools/student.py --notebooks notebooks

# Headless Chromium for tests/browser and tests/live: found, or installed (apt as root or
# with sudo, else Playwright's download); fails with one line saying what to install.
browser: $(STAMP)
	$(BIN)/python tools/browser.py ensure

# JupyterLab configured as on Binder (postBuild), in its own venv, for tests/live.
LIVE := .venv-live
$(LIVE)/.installed: $(STAMP) tests/live/requirements.txt postBuild tools/binder_setup.py
	test -x $(LIVE)/bin/python || $(PYTHON) -m venv $(LIVE)
	$(LIVE)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(LIVE)/bin/python -m pip install --quiet -c constraints.txt -r tests/live/requirements.txt
	KERNEL_PYTHON=$(abspath $(BIN)/python) LAB_PREFIX=$(abspath $(LIVE)) ./postBuild
	touch $@

live-env: $(LIVE)/.installed

test: $(STAMP) browser live-env
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/users.py all

# Spread over retrained seeds of the headline numbers (about 1 h on 2 cores; chapters read it).
seeds: $(STAMP)
	$(BIN)/python -m xai4ess data regenerate results:seeds

data-verify: $(STAMP)
	$(BIN)/python -m xai4ess data verify

clean:
	rm -rf _build

# Autograded assignments from the exercises (tools/assignments.py; instructor_guide.md).
#   make assignments                                    -> _build/assignments/<chapter>/
#   make assignments-grade CHAPTER=03 SUBMISSIONS=dir   -> scores.csv (offline)
#   make assignments-check                              reference / seeded wrong / blank scores
.PHONY: assignments assignments-grade assignments-check
CHAPTER ?=
SUBMISSIONS ?= submissions
SCORES ?= scores.csv

assignments: $(STAMP)
	$(BIN)/python tools/assignments.py build

assignments-grade: $(STAMP)
	@test -n "$(CHAPTER)" || { echo "usage: make assignments-grade CHAPTER=03_heatmap_zoo SUBMISSIONS=folder [SCORES=scores.csv]"; exit 2; }
	PYTHONPATH=$(CURDIR) $(BIN)/python tools/assignments.py grade $(CHAPTER) $(SUBMISSIONS) -o $(SCORES)

assignments-check: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/python tools/assignments.py selfcheck

# ---- Modern stacks: Python 3.12 + TensorFlow 2.19 (Colab) and Python 3.13 + TensorFlow 2.21 ----
# make test-modern: a venv per stack (.venv-py312, .venv-py313) installed by the documented
# route (constraints-py3XX.txt, then python -m xai4ess setup), the unit tests except the
# pin checks, and chapters executed end to end with their headline numbers compared with
# the pinned stack's (tests/modern/headlines.py). Python 3.12 is required; 3.13 is used
# where the machine has it (a missing one is reported, with how to get it).
# Then the Colab-style run (tools/colab_run.py): a Python 3.12 venv with only what Colab
# preinstalls (.venv-colab312), every notebooks/*.ipynb executed with nbclient from its
# own setup cell (which installs xai4ess from this checkout's git HEAD); COLAB_RUN=0 skips it.
MODERN_REQUIRED ?= 3.12
MODERN_OPTIONAL ?= 3.13
MODERN_CHAPTERS ?= 02_clever_hans 07_receptive_fields
MODERN_UNIT ?= tests/unit -m "not pins and not book and not browser"
MODERN_CHAPTER_PYTHON ?= 3.12
COLAB_RUN ?= 1
COLAB_NOTEBOOKS ?=
COLAB_TABLE ?= _build/colab_run.md
find_python = $(shell for p in $$(command -v python$(1)) $(HOME)/.pyenv/versions/$(1).*/bin/python$(1); do \
  "$$p" -c 'import sys; assert sys.version_info[:2] == tuple(map(int, "$(1)".split(".")))' 2>/dev/null \
  && { echo "$$p"; break; }; done)
modern_tag = $(subst .,,$(1))
MODERN_FOUND := $(MODERN_REQUIRED) $(foreach v,$(MODERN_OPTIONAL),$(if $(call find_python,$(v)),$(v)))
MODERN_MISSING := $(foreach v,$(MODERN_OPTIONAL),$(if $(call find_python,$(v)),,$(v)))

.PHONY: venv-modern venv-colab test-modern colab-run

# What a Colab runtime has before the student's first cell (no xai4ess): tools/colab_run.py.
.venv-colab312/.installed: constraints-py312.txt
	@py="$(call find_python,3.12)"; \
	if [ -z "$$py" ]; then echo "error: Python 3.12 is missing on this machine. Get it with 'pyenv install 3.12'."; exit 1; fi; \
	rm -rf .venv-colab312 && $$py tools/colab_run.py venv .venv-colab312 --python $$py
	touch $@

venv-colab: .venv-colab312/.installed

colab-run: venv-colab
	@mkdir -p $(dir $(COLAB_TABLE))
	.venv-colab312/bin/python tools/colab_run.py run $(COLAB_NOTEBOOKS) --out $(COLAB_TABLE)


.venv-py%/.installed: pyproject.toml constraints-py%.txt
	@v=$(patsubst 3%,3.%,$*); py="$(call find_python,$(patsubst 3%,3.%,$*))"; \
	if [ -z "$$py" ]; then \
	  echo "error: Python $$v is missing on this machine. Get it with 'pyenv install $$v'"; \
	  echo "       (or your system's python$$v package), then run make test-modern again."; \
	  exit 1; fi; \
	test -x .venv-py$*/bin/python || $$py -m venv .venv-py$*
	.venv-py$*/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-py$*/bin/python -m pip install --quiet -c constraints-py$*.txt -e ".[modern,test]"
	.venv-py$*/bin/python -m xai4ess setup
	touch $@

venv-modern: $(foreach v,$(MODERN_FOUND),.venv-py$(call modern_tag,$(v))/.installed)

test-modern: venv-modern
	@for v in $(MODERN_MISSING); do \
	  echo "NOTE: Python $$v is missing, so its stack is not tested here. Get it with"; \
	  echo "      'pyenv install $$v', then run make test-modern again."; done
	@set -e; for v in $(MODERN_FOUND); do t=$$(echo $$v | tr -d .); \
	  echo "== unit tests on Python $$v (.venv-py$$t)"; \
	  .venv-py$$t/bin/python -m pytest $(MODERN_UNIT); done
	@echo "== chapters $(MODERN_CHAPTERS) on Python $(MODERN_CHAPTER_PYTHON)"
	.venv-py$(call modern_tag,$(MODERN_CHAPTER_PYTHON))/bin/python tests/modern/headlines.py check $(MODERN_CHAPTERS)
	@if [ "$(COLAB_RUN)" != 0 ]; then echo "== Colab-style run of notebooks/*.ipynb on Python 3.12 (.venv-colab312)"; \
	  $(MAKE) --no-print-directory colab-run; fi
