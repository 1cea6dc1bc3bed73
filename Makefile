# Two commands do all the set-up on a fresh machine:
#   make book   create .venv, install, execute every chapter, build the site
#   make test   the same set-up, then the whole test suite (book build included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every recipe uses the book's own venv through $(BIN). A virtualenv activated elsewhere would
# make IPython warn that it runs outside it, and the tests treat warnings as errors.
unexport VIRTUAL_ENV
# Strict build: nitpicky, every warning is an error, keep going to list them all.
JB_FLAGS := --builder html --warningiserror --nitpick --keep-going

.PHONY: book test test-fast venv lock clean chapter student instructor

venv: $(STAMP)

# The package and its extras (requirements.txt), at the versions in constraints.txt.
$(STAMP): requirements.txt pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is at: $(CURDIR)/_build/html/index.html"

# Everything: unit and property tests, lab training, coursework grading, the strict
# book build and the browser tests. This is what CI runs.
test: $(STAMP)
	$(BIN)/python -m pytest

# Unit and property tests only (no training, no book build, no browser): a couple of minutes.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not book"

# Re-pin constraints.txt to what the venv holds now (after changing pyproject.toml).
lock: $(STAMP)
	@{ sed -n '1,/^$$/p' constraints.txt | grep '^#'; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v '^scalinglaws' | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# Student edition: notebooks without solutions and the book with solutions
# removed (not collapsed) -> _build/student/
student: $(STAMP)
	$(BIN)/python coursework/build.py student

# Instructor edition: student and solution notebooks, autograder zips and the
# book with solutions -> _build/instructor/
instructor: $(STAMP)
	$(BIN)/python coursework/build.py instructor

clean:
	rm -rf _build

# Build one chapter alone (strict), e.g. `make chapter CH=power_laws`, into
# _build/chapter-$(CH) so that several authors can build at once.
chapter: $(STAMP)
	@test -n "$(CH)" || { echo "usage: make chapter CH=<name in chapters/>"; exit 2; }
	@mkdir -p _build/chapter-$(CH)
	@printf 'format: jb-book\nroot: intro\nparts:\n  - caption: Chapter\n    chapters:\n      - file: chapters/$(CH)\n      - file: bibliography\n' > _build/chapter-$(CH)/_toc.yml
	$(BIN)/jupyter-book build . $(JB_FLAGS) --toc _build/chapter-$(CH)/_toc.yml --path-output _build/chapter-$(CH)
	@echo "Chapter built: $(CURDIR)/_build/chapter-$(CH)/_build/html/chapters/$(CH).html"
