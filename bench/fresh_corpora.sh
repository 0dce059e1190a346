#!/usr/bin/env bash
# Unpack the third set of real-world FastAPI applications ("fresh": nobody had
# tuned a rule on them when they were added, 2026-12-01): large service-style
# servers with tests, scripts and workers, new to the project (not in
# ../shared/corpora.sh nor in bench/new_corpora.sh). Session 4 (2026-12-01,
# later) added skyvern, zenml, phoenix and litellm, new again: no rule had
# been tuned on them when they were added. Session 5 (2026-12-01, evening)
# added khoj, lightrag, chainlit, autogenstudio, pyspur and feast, new again.
# Session 6 (2026-12-01, night) added openhands, llama-stack, opal-server,
# hayhooks, gradio, kedro-viz, infinity-emb, nicegui and xinference.
# Session 7 (2026-12-02) added skypilot, aim, freqtrade, fschat, agno and invokeai.
#
#   fresh_corpora.sh DEST [NAME ...]   unpack into DEST/<name>/ (default: all)
#   fresh_corpora.sh --list            print the names
#
# Each is a PyPI sdist of an exact version (or, marked `wheel`, a wheel that
# ships its source: litellm's sdist needs a Rust build with network, pyspur's
# fails in its hatchling build, opal-server's setup.py reads a ../__packaging__.py
# it does not ship), fetched with
# `pip download --no-deps --no-binary=<that package>` (its build backend may
# come as a wheel: zenml's uv_build does not build from source offline), its
# sha256 checked, and its single top folder unpacked into DEST/<name>/ (a
# wheel: its contents, with `python3 -m zipfile -e`). Lint each app as its own
# project from DEST/<name>/ (the folder holding its pyproject.toml).
#
# A stamp file DEST/<name>/.corpus-stamp makes reruns no-ops. Needs python3
# with pip, tar, sha256sum. CORPORA_NO_HASH=1 skips the hash check; PIP=...
# chooses the pip command (default: python3 -m pip).
set -euo pipefail

# name|requirement|sha256 of the sdist (or wheel)[|wheel]
PINS='
dstack|dstack==0.22.5|685f43d67861531116ef923b925ce9d3ac39565b084b560356c41b4d5bcec319
letta|letta==0.16.8|363e26989e552c859ce2e7961d484acee6fccfc1e7b16e8f644b1ae1ccd754a3
fides|ethyca-fides==2.78.2|daee8f047fe614140d4a1b02e60a6121d0939327d4e85933ebb1e085504ad63f
skyvern|skyvern==1.0.56|f05543c8de25b255730cbae888093d481bb21832e761400b36919110ecd7c8a5
zenml|zenml==0.98.0|ed221d95f1992395081b0a4aa3fbe127b6481f9efb3d5d1070ace20da8f8075f
phoenix|arize-phoenix==20.26.1|3b8e61b759746ec23bc260202049b60e64f032dd0a4d27b548a642fd1c061f62
litellm|litellm==1.110.2|9d94d1c7d524b6fd10c14f9c8c6c4f0ac31705f9964ac59dcfd8337c046d8917|wheel
khoj|khoj==1.42.10|c79cfb4036ea1fd5c22f7693d5c69a81dd720feb4a53cd72935e0caadd8267f7
lightrag|lightrag-hku==1.5.7|4d2cbb3f983b2bec209f4f154845869fc9e5800a7a2a9bb7005ba7610f4fbe0a
chainlit|chainlit==2.12.0|53ca71c66fd98d417039ca5fa9c68349eb8eda771b7e0235a7da531f610fe5d0
autogenstudio|autogenstudio==0.4.2.2|1cab6a4148ae7436c91090d5e229d3b02c9add6c8ab449b800b7fcc9204b2675
pyspur|pyspur==0.1.18|a85e952e46fc8243d5b1dfe85471d7f9ed05635628c51ca69c83066f65df60a2|wheel
feast|feast==0.67.0|46f01aa649550e67b00fdf58f9f6dd3679925d908b9bfcac04e3050d49ff5523
openhands|openhands-ai==0.9.8|4b97381b276c5135d8d8eae34e44a8d0adb54b0d7a2c86bf7779e6422b3b9f5a
llama-stack|llama-stack==0.2.12|8dce9e670b3044dee838819b66d640573e1d25680c2f5e1068881b9d5d3452c4
opal-server|opal-server==0.9.9|9f9307cc5432fd5a1992177a57a7eeb337e96eb554d6888a2322bb51bf1e8ff8|wheel
hayhooks|hayhooks==2.1.0|87927cb5f4a48729b0d13a14f6e3ef37f18d8508e140e6ee4f8ec2dc97cf22e2
gradio|gradio==6.31.0|40cf094fe8ea1b8ada0fc4c10b685c4c5f09c4061d34c073be25bab342e14e22
kedro-viz|kedro-viz==12.5.0|d107ef009f3f813d73e202f21579f20248f83adb3bafa57f8d19ab5ca0ac947b
infinity-emb|infinity-emb==0.0.78|bead73dbed39d4a50e7c1c57f808bf94bc63e0c3a4f28d3d879280a213507fac
nicegui|nicegui==3.18.0|74cf67c57d2a0dbcdc329d9b35d0396d25dc961550765276daef4de244eaf15b
xinference|xinference==4.1.0|94a6023a02043fa1400b66c65a520b0421fb026c87e098c0a9088e1c8ae340bb
skypilot|skypilot==0.14.1|60c6d38e68999d67f9294f87e30808787caad682bd93274136a261f3606fac8d
aim|aim==3.29.1|30fb70f983844eebd270049206c839e6dc09ce9de500048dc97a7a8b22ed83fb
freqtrade|freqtrade==2026.9|a3195f6173f3cd2bf9cd504883f55a0e4dc86bfd72942c2fa23ca918932b3128
fschat|fschat==0.2.36|ac724458bb105cb5b3b9ec852150345dfa7f61fd7c275d6635d66fa1ed904d90
agno|agno==3.1.10|1830567bd35ea0a178a5c213d6a93dde84d21caae147e4dd285351c3686a41c8
invokeai|invokeai==6.14.2|24301ecf4f23204ad1aa763df318476d09ea84125463a07d60a1c45c127ec8b3
'
ALL="dstack letta fides skyvern zenml phoenix litellm khoj lightrag chainlit autogenstudio pyspur feast openhands llama-stack opal-server hayhooks gradio kedro-viz infinity-emb nicegui xinference skypilot aim freqtrade fschat agno invokeai"

pin_of() { printf '%s\n' "$PINS" | awk -F'|' -v n="$1" '$1 == n'; }
usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

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
  IFS='|' read -r _ req sha kind <<<"$(pin_of "$name")"
  out="$DEST/$name"
  stamp="pypi $req $sha${kind:+ $kind}"
  if [ -f "$out/.corpus-stamp" ] && [ "$(cat "$out/.corpus-stamp")" = "$stamp" ]; then
    echo "ok     $name (already in $out)"
    continue
  fi
  rm -rf "$out" "$out.partial"
  mkdir -p "$out.partial"
  echo "fetch  $req"
  dl="$work/$name"; mkdir -p "$dl"
  if [ "$kind" = wheel ]; then
    # The manylinux x86_64 wheel (abi3, cp310+): its Python source is what we lint.
    $PIP download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
      --python-version 3.11 --dest "$dl" "$req"
  else
    $PIP download --quiet --no-deps --no-binary="${req%%==*}" --dest "$dl" "$req"
  fi
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
  if [ "$kind" = wheel ]; then
    python3 -m zipfile -e "$f" "$out.partial"
  else
    # An sdist has one top folder (dstack-0.22.5/): unpack its contents.
    tar -xzf "$f" -C "$out.partial" --strip-components=1
  fi
  printf '%s\n' "$stamp" > "$out.partial/.corpus-stamp"
  mv "$out.partial" "$out"
  echo "done   $name -> $out ($(find "$out" -name '*.py' | wc -l) .py files)"
done
