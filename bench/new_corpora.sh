#!/usr/bin/env bash
# Unpack the second set of real-world FastAPI applications: service-style apps
# new to the project (not in ../shared/corpora.sh), each with tests, scripts or
# workers and with ORM/Pydantic models that carry passwords, keys and tokens.
#
#   new_corpora.sh DEST [NAME ...]   unpack into DEST/<name>/ (default: all)
#   new_corpora.sh --list            print the names
#
# Two kinds of source, both pinned exactly:
#   pypi    `pip download --no-deps --no-binary=:all:` of an exact version, its
#           sha256 checked, the sdist unpacked (it ships the tests).
#   github  a snapshot of a public repository at an exact commit. This machine
#           reaches no code host, so the script reads a bare git mirror made
#           beforehand (the session's repository fetch puts it at
#           $MIRRORS/<owner>+<name>/repo; any `git clone --mirror` of the same
#           repository works, e.g. MIRRORS=~/mirrors with
#           ~/mirrors/<owner>+<name>/repo). The commit is checked to exist and
#           `git archive <commit>` is unpacked, so the tree is exactly that
#           commit's whatever else the mirror holds.
#
# A stamp file DEST/<name>/.corpus-stamp makes reruns no-ops. Needs python3
# with pip, git, tar, sha256sum. CORPORA_NO_HASH=1 skips the sdist hash check;
# PIP=... chooses the pip command (default: python3 -m pip); MIRRORS=... the
# mirror folder (default: /work/.mirror).
set -euo pipefail

# name|kind|source|pin (pypi: requirement and sha256 of the sdist; github: commit)
PINS='
lnbits|pypi|lnbits==1.6.2|628c66c81a91cdca8831d1c3bd279216b8396288dc290094cfd106c656e21c81
mealie|github|mealie-recipes/mealie|b5643a9399465d8b4ea339e7a6639df2d697741b
dispatch|github|Netflix/dispatch|dd2837e82a0bf5565b1b4b4b91ea30b7262d4061
polar|github|polarsource/polar|c6c3645e639ee8eeaa05aa0835cf8e39e330382f
'
ALL="lnbits mealie dispatch polar"

pin_of() { printf '%s\n' "$PINS" | awk -F'|' -v n="$1" '$1 == n'; }
usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

if [ "${1:-}" = "--list" ]; then echo "$ALL"; exit 0; fi
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
DEST=$1; shift
[ $# -ge 1 ] || set -- $ALL
for n in "$@"; do
  [ -n "$(pin_of "$n")" ] || { echo "unknown corpus: $n" >&2; exit 2; }
done

PIP=${PIP:-python3 -m pip}
MIRRORS=${MIRRORS:-/work/.mirror}
mkdir -p "$DEST"
work=$(mktemp -d "${TMPDIR:-/tmp}/new-corpora.XXXXXX")
trap 'rm -rf "$work"' EXIT

for name in "$@"; do
  IFS='|' read -r _ kind source pin <<<"$(pin_of "$name")"
  out="$DEST/$name"
  stamp="$kind $source $pin"
  if [ -f "$out/.corpus-stamp" ] && [ "$(cat "$out/.corpus-stamp")" = "$stamp" ]; then
    echo "ok     $name (already in $out)"
    continue
  fi
  rm -rf "$out" "$out.partial"
  mkdir -p "$out.partial"
  case "$kind" in
    pypi)
      echo "fetch  $source"
      dl="$work/$name"; mkdir -p "$dl"
      $PIP download --quiet --no-deps --no-binary=:all: --dest "$dl" "$source"
      files=("$dl"/*)
      [ "${#files[@]}" -eq 1 ] || { echo "expected one file for $source, got: ${files[*]}" >&2; exit 1; }
      f=${files[0]}
      got=$(sha256sum "$f" | cut -d' ' -f1)
      if [ "$got" != "$pin" ]; then
        if [ "${CORPORA_NO_HASH:-0}" = 1 ]; then
          echo "warning: sha256 mismatch for $(basename "$f"): $got (CORPORA_NO_HASH=1)" >&2
        else
          echo "sha256 mismatch for $(basename "$f"): expected $pin, got $got" >&2; exit 1
        fi
      fi
      # The sdist has one top folder (lnbits-1.6.2/): unpack its contents.
      tar -xzf "$f" -C "$out.partial" --strip-components=1
      ;;
    github)
      git_dir="$MIRRORS/${source/\//+}/repo"
      echo "unpack $source@$pin from $git_dir"
      [ -d "$git_dir" ] || { echo "no mirror of $source at $git_dir (set MIRRORS)" >&2; exit 1; }
      git --git-dir="$git_dir" cat-file -e "$pin^{commit}" 2>/dev/null \
        || { echo "commit $pin of $source is not in $git_dir" >&2; exit 1; }
      # A mirror may leave its largest blobs out (binary test data): write
      # every file of the commit's tree whose blob is present (read through
      # `git cat-file --batch`, so nothing in the mirror changes) and say how
      # many were left out.
      python3 - "$git_dir" "$pin" "$out.partial" <<'PY'
import os, subprocess, sys, threading
git_dir, commit, dest = sys.argv[1:]
git = ["git", "--git-dir", git_dir]
tree = subprocess.run(git + ["ls-tree", "-r", "-z", commit], check=True, capture_output=True).stdout
entries = []
for record in tree.split(b"\0"):
    if record:
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":  # symlinks are not unpacked
            entries.append((mode, sha, os.fsdecode(path)))
cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def feed():  # in a thread: the answers must be read while the questions are written
    cat.stdin.write(b"".join(sha + b"\n" for _, sha, _ in entries))
    cat.stdin.close()
threading.Thread(target=feed, daemon=True).start()
left_out = []
for mode, sha, path in entries:
    header = cat.stdout.readline().split()
    if header[1] == b"missing":
        left_out.append(path)
        continue
    data = cat.stdout.read(int(header[2]))
    cat.stdout.read(1)  # the newline after each object
    target = os.path.join(dest, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)
    if mode == b"100755":
        os.chmod(target, 0o755)
if cat.wait() != 0:
    sys.exit("git cat-file failed")
if left_out:
    py = sum(p.endswith(".py") for p in left_out)
    print(f"note   {len(left_out)} file(s) absent from the mirror left out ({py} .py): {', '.join(left_out[:5])}")
PY
      ;;
  esac
  printf '%s\n' "$stamp" > "$out.partial/.corpus-stamp"
  mv "$out.partial" "$out"
  echo "done   $name -> $out ($(find "$out" -name '*.py' | wc -l) .py files)"
done
