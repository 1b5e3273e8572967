#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-series.sh BUILD: check the series as qemu-devel reviewers and patchew
# do, in BUILD/series-check (trees of its own; downloads from BUILD/downloads):
#   1. export the mails (with the cover letter of patches/cover-letter)
#      from the tree 'apply' makes;
#   2. git am them onto unpatched QEMU: the result must be that same tree;
#   3. checkpatch.pl on every mail: no error and no warning, save the two
#      known exceptions below, which are printed each time they apply;
#   4. each commit message: "area: summary" under 76 characters, a body
#      that says why, the author's Signed-off-by;
#   5. the series brings tests (tests/qtest/), docs (docs/system/) and
#      MAINTAINERS entries;
#   6. every prefix of the series builds (ninja in one build directory,
#      configured as scripts/build-qemu.sh does).  NVGRACE_SERIES_BUILD=0
#      skips this slow step, for local use only: it says so loudly.
# Prints a summary; exits non-zero when any check fails.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD" >&2
    exit 2
fi
mkdir -p "$1"
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$build/series-check
src=$work/src          # fetch-qemu.sh + qemu-series.py apply
mails=$work/patches    # qemu-series.py export
am=$work/qemu-src      # fetch-qemu.sh + git am of the mails
obj=$work/qemu-build   # the build of every prefix
logs=$work/logs

# Who the check's own commits (git am) and the cover letter are from.
GIT_COMMITTER_NAME="vfio-pci-nvgrace developers"
GIT_COMMITTER_EMAIL="devel@vfio-pci-nvgrace.org"
export GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
GIT_AUTHOR_NAME=$GIT_COMMITTER_NAME
GIT_AUTHOR_EMAIL=$GIT_COMMITTER_EMAIL
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

failures=
summary=
fail() {
    echo "  FAIL: $*"
    failures="$failures
  $*"
}
result() {  # STEP: did it pass?
    if [ "$2" = 0 ]; then
        summary="$summary
  PASS     $1"
    else
        summary="$summary
  FAIL     $1"
    fi
}
step() {
    echo
    echo "== $*"
}
count() {  # failures so far, to tell whether a step added any
    printf '%s' "$failures" | grep -c . || true
}

# -- 1. Export -----------------------------------------------------------
step "1. export the series from $work/src"
mkdir -p "$work" "$logs"
"$here/fetch-qemu.sh" "$src" "$build/downloads"
python3 "$here/qemu-series.py" apply "$src"
rm -rf "$mails"
python3 "$here/qemu-series.py" export "$src" -o "$mails" >/dev/null
cover=$mails/0000-cover-letter.patch
n_mails=0
for mail in "$mails"/[0-9][0-9][0-9][0-9]-*.patch; do
    [ "$mail" = "$cover" ] || n_mails=$((n_mails + 1))
done
n_commits=$(git -C "$src" rev-list --count pristine..series)
before=$(count)
echo "  $n_mails patches and a cover letter in $mails"
[ -f "$cover" ] || fail "export wrote no cover letter"
[ "$n_mails" = "$n_commits" ] ||
    fail "export wrote $n_mails patches for $n_commits commits"
if grep -q '\*\*\* SUBJECT HERE \*\*\*\|\*\*\* BLURB HERE \*\*\*' "$cover"; then
    fail "the cover letter has git's placeholders, not patches/cover-letter"
else
    echo "  cover letter: $(awk '/^Subject: / { s = substr($0, 10)
        while ((getline l) > 0 && l ~ /^ /) s = s l; print s; exit }' "$cover")"
fi
result "1. export ($n_mails patches + cover letter)" $(($(count) - before))

# -- 2. git am onto unpatched QEMU ---------------------------------------
step "2. git am the mails onto unpatched QEMU in $am"
before=$(count)
# A fresh fetch of its own: unlike a clone of src it has the subprojects
# that QEMU's tarball ships and its .gitignore keeps out of git.
"$here/fetch-qemu.sh" "$am" "$build/downloads"
# The tree 'apply' made in src, to compare with.
git -C "$am" fetch -q --force "$src" "+refs/heads/series:refs/remotes/apply/series"
[ ! -d "$am/.git/rebase-apply" ] || git -C "$am" am --abort
git -C "$am" checkout -q -f -B am pristine
git -C "$am" clean -q -fd
applied=yes
for mail in "$mails"/[0-9][0-9][0-9][0-9]-*.patch; do
    [ "$mail" != "$cover" ] || continue
    if ! git -C "$am" am -q "$mail" >"$logs/am.log" 2>&1; then
        cat "$logs/am.log"
        fail "$(basename "$mail") does not apply with git am"
        git -C "$am" am --abort
        applied=no
        break
    fi
done
if [ $applied = yes ]; then
    echo "  all $n_mails patches apply"
    diffstat=$(git -C "$am" diff --stat apply/series HEAD)
    if [ -n "$diffstat" ]; then
        echo "$diffstat"
        fail "git am of the mails differs from what 'qemu-series.py apply' makes"
    else
        echo "  the result is identical to the tree of 'qemu-series.py apply'"
    fi
fi
result "2. git am onto QEMU 10.2.2, same tree as 'apply'" $(($(count) - before))

# -- 3. checkpatch.pl ----------------------------------------------------
# Two exceptions.  One: QEMU adds new expected ACPI tables empty in one patch
# (bios-tables-test's process) and fills them in a later one; a zero-length
# binary file cannot carry an SPDX line.  (QEMU's own CI runs check-patch
# with allow_failure.)  Anything else checkpatch reports fails the check.
empty_in_mail() {  # MAIL PATH: does MAIL add PATH as an empty file?
    empty_blob=$(git hash-object -t blob /dev/null)
    awk -v path="$2" -v empty="$empty_blob" '
        /^diff --git / { inside = ($0 == "diff --git a/" path " b/" path)
                         if (inside) found = 1; next }
        !inside { next }
        /^new file mode / { new = 1 }
        /^index 0+\.\./ { split($2, h, "\\.\\."); post = h[2] }
        /^@@ |^GIT binary patch/ { content = 1 }
        END { exit !(found && new && !content && post != "" &&
                     index(empty, post) == 1) }' "$1"
}

# The other: a linux-headers update made by scripts/update-linux-headers.sh.
# checkpatch warns on every patch that touches the imported headers ("are
# you using scripts/update-linux-headers.sh?", at its first imported line)
# and asks about MAINTAINERS when Linux added or removed a header; QEMU's
# own header updates carry both.  Allowed only in a mail that touches
# nothing but linux-headers/ and include/standard-headers/.
imports_only_headers() {  # MAIL
    ! grep '^diff --git a/' "$1" |
        grep -qv '^diff --git a/\(linux-headers\|include/standard-headers\)/'
}
HEADER_WARNINGS="WARNING: added, moved or deleted file(s) imported from Linux, are you using scripts/update-linux-headers.sh?
WARNING: added, moved or deleted file(s):"

step "3. checkpatch.pl"
before=$(count)
for mail in "$mails"/[0-9][0-9][0-9][0-9]-*.patch; do
    name=$(basename "$mail")
    log=$logs/checkpatch-${name%.patch}.log
    (cd "$am" && perl scripts/checkpatch.pl "$mail") >"$log" 2>&1 || true
    total=$(grep '^total: [0-9]* errors, [0-9]* warnings' "$log" || true)
    if [ -z "$total" ]; then
        cat "$log"
        fail "$name: checkpatch.pl did not finish"
        continue
    fi
    errors=$(echo "$total" | sed 's/^total: \([0-9]*\) errors.*/\1/')
    warnings=$(echo "$total" | sed 's/^total: [0-9]* errors, \([0-9]*\) warnings.*/\1/')
    allowed=0
    allowed_lines=
    : >"$log.allowed"
    spdx="^WARNING: Does new file '\(.*\)' need 'SPDX-License-Identifier'?\$"
    for path in $(sed -n "s/$spdx/\1/p" "$log"); do
        case $path in
        tests/data/acpi/*)
            if empty_in_mail "$mail" "$path"; then
                allowed=$((allowed + 1))
                echo "WARNING: Does new file '$path' need 'SPDX-License-Identifier'?" \
                     >>"$log.allowed"
                allowed_lines="$allowed_lines
    allowed: WARNING: Does new file '$path' need 'SPDX-License-Identifier'?
             (an expected ACPI table added empty, to be filled by a later
             patch: a zero-length file cannot carry a license line)"
            fi
            ;;
        esac
    done
    if imports_only_headers "$mail"; then
        while IFS= read -r warning; do
            grep -qxF "$warning" "$log" || continue
            allowed=$((allowed + 1))
            echo "$warning" >>"$log.allowed"
            allowed_lines="$allowed_lines
    allowed: $warning
             (a linux-headers update made by the script)"
        done <<EOF
$HEADER_WARNINGS
EOF
    fi
    left=$((warnings - allowed))
    if [ $allowed -gt 0 ]; then
        echo "  $name: $errors errors, $warnings warnings ($allowed allowed, $left left)"
        echo "$allowed_lines" | sed '1d'
    else
        echo "  $name: $errors errors, $warnings warnings"
    fi
    if [ "$errors" != 0 ] || [ $left != 0 ]; then
        sed '/^total: /,$d' "$log" | grep -vxF -f "$log.allowed" |
            sed 's/^/    /'
        fail "$name: checkpatch.pl: $errors errors, $left warnings"
    fi
    rm -f "$log.allowed"
done
result "3. checkpatch.pl: no errors, no warnings (save the exception)" \
       $(($(count) - before))

# The commits to check: those made from the mails, else those of 'apply'.
if [ $applied = yes ]; then
    tree=$am
    head=HEAD
else
    tree=$src
    head=series
fi
commits=$(git -C "$tree" rev-list --reverse "pristine..$head")
mail_of() {  # N: the file name of the Nth patch mail
    ls "$mails" | grep -v '^0000-cover-letter.patch$' | sed -n "$1p"
}

# -- 4. Commit messages --------------------------------------------------
step "4. commit messages"
before=$(count)
trailers='^(Signed-off-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|Co-developed-by|Cc|Fixes|Resolves|Link|Message-I[Dd]|Based-on|Supersedes): '
i=0
for c in $commits; do
    i=$((i + 1))
    name=$(mail_of $i)
    subject=$(git -C "$tree" log -1 --format=%s "$c")
    author=$(git -C "$tree" log -1 --format='%an <%ae>' "$c")
    message=$(git -C "$tree" log -1 --format=%B "$c")
    body=$(git -C "$tree" log -1 --format=%b "$c" | grep -Ev "$trailers" |
           grep -v '^[[:space:]]*$' || true)
    lines=$(printf '%s\n' "$body" | grep -c . || true)
    # Words of the body that the subject does not have: a body that only
    # restates the subject has next to none.
    new_words=$(printf '%s\n%s\n' "$subject" "$body" | awk '
        NR == 1 { n = split(tolower($0), w, /[^a-z0-9]+/)
                  for (k = 1; k <= n; k++) seen[w[k]] = 1; next }
        { n = split(tolower($0), w, /[^a-z0-9]+/)
          for (k = 1; k <= n; k++)
              if (length(w[k]) > 2 && !(w[k] in seen)) { seen[w[k]] = 1; new++ } }
        END { print new + 0 }')
    problems=
    [ ${#subject} -lt 76 ] ||
        problems="$problems; subject is ${#subject} characters (76 or more)"
    printf '%s\n' "$subject" |
        grep -Eq '^[A-Za-z0-9_][A-Za-z0-9_./+-]*(, ?[A-Za-z0-9_./+-]+)*: [^ ]' ||
        problems="$problems; subject is not 'area: summary'"
    [ "$lines" -ge 2 ] ||
        problems="$problems; body has $lines lines (at least 2 that say why)"
    [ "$new_words" -ge 10 ] ||
        problems="$problems; body only restates the subject ($new_words new words)"
    if ! printf '%s\n' "$message" | grep -q '^Signed-off-by: '; then
        problems="$problems; no Signed-off-by"
    elif ! printf '%s\n' "$message" | grep -Fxq "Signed-off-by: $author"; then
        problems="$problems; no Signed-off-by of the author ($author)"
    fi
    echo "  $name: subject ${#subject} chars, body $lines lines," \
         "$new_words words beyond the subject, author $author"
    if [ -n "$problems" ]; then
        fail "$name: ${problems#; }"
    fi
done
result "4. commit messages: subject, body, Signed-off-by" $(($(count) - before))

# -- 5. Tests, docs, MAINTAINERS -----------------------------------------
step "5. tests, docs and MAINTAINERS in the series"
before=$(count)
touching() {  # WHAT DIFF-FILTER PATHSPEC: the patches that touch it
    found=$(git -C "$tree" log --reverse --format='%s' --diff-filter="$2" \
            "pristine..$head" -- "$3")
    if [ -n "$found" ]; then
        echo "  $1:"
        printf '%s\n' "$found" | sed 's/^/    /'
    else
        fail "no patch $1"
    fi
}
touching "touches tests/qtest/" AMD "tests/qtest/"
touching "adds docs/system/" A "docs/system/"
touching "touches MAINTAINERS" M "MAINTAINERS"
result "5. tests/qtest, docs/system and MAINTAINERS in the series" \
       $(($(count) - before))

# -- 6. Every prefix builds ----------------------------------------------
step "6. every prefix of the series builds"
before=$(count)
if [ "${NVGRACE_SERIES_BUILD:-1}" = 0 ]; then
    cat <<EOF
  ****************************************************************
  **  SKIPPED: NVGRACE_SERIES_BUILD=0, so it is NOT checked that  **
  **  every prefix of the series builds: run it without that.    **
  ****************************************************************
EOF
    summary="$summary
  SKIPPED  6. every prefix builds (NVGRACE_SERIES_BUILD=0)"
elif [ $applied = no ]; then
    echo "  not run: the mails do not apply"
    summary="$summary
  FAIL     6. every prefix builds (not run: the mails do not apply)"
else
    # As scripts/build-qemu.sh, in the same layout (qemu-src, qemu-build),
    # so that the last prefixes reuse what the main build compiled.
    . "$here/qemu-build-lib.sh"
    qemu_ccache_env "$build"
    start_all=$(date +%s)
    i=0
    for c in $commits; do
        i=$((i + 1))
        name=$(mail_of $i)
        git -C "$am" checkout -q "$c"
        if [ ! -f "$obj/build.ninja" ]; then
            echo "  configuring $obj"
            if ! qemu_configure "$am" "$obj" 2>&1; then
                fail "$name: QEMU does not configure with the series up to it"
                break
            fi
        fi
        start=$(date +%s)
        log=$logs/build-${name%.patch}.log
        if ninja -C "$obj" >"$log" 2>&1; then
            echo "  $name: builds ($(($(date +%s) - start)) s)"
        else
            tail -30 "$log" | sed 's/^/    /'
            fail "$name: the series up to it does not build (log: $log)"
        fi
    done
    git -C "$am" checkout -q am
    echo "  all prefixes: $(($(date +%s) - start_all)) s"
    result "6. every prefix of the series builds" $(($(count) - before))
fi

# -- Summary -------------------------------------------------------------
echo
echo "== summary"
echo "$summary" | sed '1d'
if [ -n "$failures" ]; then
    echo
    echo "check-series: FAILED:$failures"
    exit 1
fi
echo
echo "check-series: the series passes"
