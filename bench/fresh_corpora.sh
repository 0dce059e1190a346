#!/usr/bin/env bash
# Unpack the third set of real-world FastAPI applications ("fresh": nobody had
# tuned a rule on them when they were added, 2026-12-01): large service-style
# servers with tests, scripts and workers, new to the project (not in
# ../shared/corpora.sh nor in bench/new_corpora.sh).
#
#   fresh_corpora.sh DEST [NAME ...]   unpack into DEST/<name>/ (default: all)
#   fresh_corpora.sh --list            print the names
#
# Each is a PyPI sdist of an exact version, fetched with
# `pip download --no-deps --no-binary=:all:`, its sha256 checked, and its
# single top folder unpacked into DEST/<name>/. Lint each app as its own
# project from DEST/<name>/ (the folder holding its pyproject.toml).
#
# A stamp file DEST/<name>/.corpus-stamp makes reruns no-ops. Needs python3
# with pip, tar, sha256sum. CORPORA_NO_HASH=1 skips the hash check; PIP=...
# chooses the pip command (default: python3 -m pip).
set -euo pipefail

# name|requirement|sha256 of the sdist
PINS='
dstack|dstack==0.22.5|685f43d67861531116ef923b925ce9d3ac39565b084b560356c41b4d5bcec319
letta|letta==0.16.8|363e26989e552c859ce2e7961d484acee6fccfc1e7b16e8f644b1ae1ccd754a3
fides|ethyca-fides==2.78.2|daee8f047fe614140d4a1b02e60a6121d0939327d4e85933ebb1e085504ad63f
'
ALL="dstack letta fides"

pin_of() { printf '%s\n' "$PINS" | awk -F'|' -v n="$1" '$1 == n'; }
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

if [ "${1:-}" = "--list" ]; then echo "$ALL"; exit 0; fi
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
DEST=$1; shift
[ $# -ge 1 ] || set -- $ALL
for n in "$@"; do
  [ -n "$(pin_of "$n")" ] || { echo "unknown corpus: $n" >&2; exit 2; }
done

PIP=${PIP:-python3 -m pip}
mkdir -p "$DEST"
work=$(mktemp -d "${TMPDIR:-/tmp}/fresh-corpora.XXXXXX")
trap 'rm -rf "$work"' EXIT

for name in "$@"; do
  IFS='|' read -r _ req sha <<<"$(pin_of "$name")"
  out="$DEST/$name"
  stamp="pypi $req $sha"
  if [ -f "$out/.corpus-stamp" ] && [ "$(cat "$out/.corpus-stamp")" = "$stamp" ]; then
    echo "ok     $name (already in $out)"
    continue
  fi
  rm -rf "$out" "$out.partial"
  mkdir -p "$out.partial"
  echo "fetch  $req"
  dl="$work/$name"; mkdir -p "$dl"
  $PIP download --quiet --no-deps --no-binary=:all: --dest "$dl" "$req"
  files=("$dl"/*)
  [ "${#files[@]}" -eq 1 ] || { echo "expected one file for $req, got: ${files[*]}" >&2; exit 1; }
  f=${files[0]}
  got=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    if [ "${CORPORA_NO_HASH:-0}" = 1 ]; then
      echo "warning: sha256 mismatch for $(basename "$f"): $got (CORPORA_NO_HASH=1)" >&2
    else
      echo "sha256 mismatch for $(basename "$f"): expected $sha, got $got" >&2; exit 1
    fi
  fi
  # An sdist has one top folder (dstack-0.22.5/): unpack its contents.
  tar -xzf "$f" -C "$out.partial" --strip-components=1
  printf '%s\n' "$stamp" > "$out.partial/.corpus-stamp"
  mv "$out.partial" "$out"
  echo "done   $name -> $out ($(find "$out" -name '*.py' | wc -l) .py files)"
done
