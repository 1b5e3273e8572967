#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Move this project's QEMU patch series between the repository and a QEMU tree.

The repository holds the series as patches/series: one line per patch, the
patch file (changes to files QEMU already has) followed by the new files the
patch adds, which live in the repository at their QEMU paths, as the whole
series leaves them.  A later patch that changes such a file holds the
change as a diff, so the patch that adds it adds the repository's file
without the later diffs.  A file that a patch adds empty is listed as
PATH:empty; the later patch that fills it lists PATH.

  apply   build the series as commits on branch 'series' of a QEMU git tree
          whose tag 'pristine' is unpatched QEMU, and check it out; files whose
          content does not change keep their timestamps (incremental builds)
  save    the inverse: write the commits pristine..series of the tree back
          to patches/ and the new files to their paths in the repository
  export  git format-patch the series, with the cover letter written from
          patches/cover-letter (its first line is the subject)
"""

import argparse
import email.utils
import os
import subprocess
import sys
import tempfile

# A file that a patch adds empty, for a later patch to fill (as QEMU adds
# expected ACPI tables), is listed with this suffix.
EMPTY = ":empty"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATCHES = os.path.join(REPO, "patches")
SERIES = os.path.join(PATCHES, "series")
COVER_LETTER = os.path.join(PATCHES, "cover-letter")


def git(tree, *args, env=None, stdin=None):
    full_env = dict(os.environ, **(env or {}))
    res = subprocess.run(["git", "-C", tree] + list(args), env=full_env,
                         input=stdin, capture_output=True, text=True)
    if res.returncode:
        sys.exit("qemu-series: git %s: %s" % (" ".join(args),
                                              res.stderr.strip()))
    return res.stdout


def read_series():
    entries = []
    with open(SERIES) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words:
                entries.append((words[0], words[1:]))
    return entries


def mailinfo(tree, path):
    """Author, date and message of a patch file; its diff goes to a file."""
    msg = tempfile.NamedTemporaryFile("r", delete=False)
    diff = tempfile.NamedTemporaryFile("r", delete=False)
    with open(path) as f:
        info = git(tree, "mailinfo", msg.name, diff.name, stdin=f.read())
    fields = dict(line.split(": ", 1) for line in info.splitlines()
                  if ": " in line)
    body = open(msg.name).read()
    os.unlink(msg.name)
    return fields, fields["Subject"] + "\n\n" + body, diff.name


def patch_paths(patch):
    """The paths whose changes a patch file holds as diffs."""
    paths = set()
    with open(os.path.join(PATCHES, patch)) as f:
        for line in f:
            if line.startswith("diff --git a/"):
                paths.add(line.split()[2][2:])
    return paths


def added_content(path, later_patches):
    """The repository's file as the patch that adds it leaves it: without
    the diffs that later patches hold for it, undone from the last."""
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, path)
        os.makedirs(os.path.dirname(dest))
        with open(os.path.join(REPO, path), "rb") as src, \
                open(dest, "wb") as f:
            f.write(src.read())
        for patch in reversed(later_patches):
            res = subprocess.run(["git", "apply", "-R", "--include=" + path,
                                  os.path.join(PATCHES, patch)],
                                 cwd=tmp, capture_output=True, text=True)
            if res.returncode:
                sys.exit("qemu-series: %s does not undo from %s: %s" %
                         (patch, path, res.stderr.strip()))
        with open(dest, "rb") as f:
            return f.read()


def cmd_apply(args):
    tree = os.path.abspath(args.tree)
    parent = git(tree, "rev-parse", "pristine^{commit}").strip()
    index = os.path.join(tree, ".git", "series-index")
    env = {"GIT_INDEX_FILE": index}
    series = read_series()
    for n, (patch, new_files) in enumerate(series):
        fields, message, diff = mailinfo(tree, os.path.join(PATCHES, patch))
        git(tree, "read-tree", parent, env=env)
        with open(diff) as f:
            has_diff = "\ndiff --git " in "\n" + f.read()
        if has_diff:
            git(tree, "apply", "--cached", "--whitespace=nowarn", diff, env=env)
        os.unlink(diff)
        for path in new_files:
            if path.endswith(EMPTY):
                path = path[:-len(EMPTY)]
                blob = git(tree, "hash-object", "-w", "--stdin",
                           stdin="").strip()
            else:
                later = [p for p, _ in series[n + 1:]
                         if path in patch_paths(p)]
                with tempfile.NamedTemporaryFile() as f:
                    f.write(added_content(path, later))
                    f.flush()
                    blob = git(tree, "hash-object", "-w", f.name).strip()
            git(tree, "update-index", "--add", "--cacheinfo",
                "100644,%s,%s" % (blob, path), env=env)
        treeid = git(tree, "write-tree", env=env).strip()
        who = {"GIT_AUTHOR_NAME": fields["Author"],
               "GIT_AUTHOR_EMAIL": fields["Email"],
               "GIT_AUTHOR_DATE": fields["Date"],
               "GIT_COMMITTER_NAME": fields["Author"],
               "GIT_COMMITTER_EMAIL": fields["Email"],
               "GIT_COMMITTER_DATE": fields["Date"]}
        parent = git(tree, "commit-tree", treeid, "-p", parent,
                     env=who, stdin=message).strip()
    os.unlink(index)
    git(tree, "checkout", "-q", "-B", "series")
    git(tree, "reset", "-q", "--hard", parent)
    print("qemu-series: applied %d patches (%s)" % (len(read_series()),
                                                    parent[:12]))


def cmd_save(args):
    tree = os.path.abspath(args.tree)
    commits = git(tree, "rev-list", "--reverse", "pristine..series").split()
    added_empty = {}
    lines = ["# The series, in order: the patch file, then the new files it",
             "# adds (kept in this repository at their QEMU paths)."]
    for f in os.listdir(PATCHES):
        if f.endswith(".patch"):
            os.unlink(os.path.join(PATCHES, f))
    for n, commit in enumerate(commits, 1):
        added = git(tree, "diff-tree", "--no-commit-id", "-r", "--name-only",
                    "--diff-filter=A", commit).split()
        touched = git(tree, "diff-tree", "--no-commit-id", "-r", "--name-only",
                      commit).split()
        for path in touched:
            if path in added_empty and path not in added:
                # The content of a file an earlier patch added empty.
                added.append(path)
                del added_empty[path]
        entries = []
        for path in added:
            if git(tree, "cat-file", "-s",
                   "%s:%s" % (commit, path)).strip() == "0":
                added_empty[path] = commit
                entries.append(path + EMPTY)
                continue
            entries.append(path)
            dest = os.path.join(REPO, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            # As the series leaves it; expected ACPI tables are binary:
            # copy the blob as it is.
            with open(dest, "wb") as f:
                f.write(subprocess.run(
                    ["git", "-C", tree, "show", "%s:%s" % (commits[-1], path)],
                    check=True, capture_output=True).stdout)
        excludes = [":(exclude)%s" % p for p in added]
        text = git(tree, "format-patch", "--zero-commit", "--no-signature",
                   "--stdout", "%s^..%s" % (commit, commit), "--", ".",
                   *excludes)
        if not text:
            # All the commit adds is new files: the mail without a diff.
            text = git(tree, "format-patch", "-1", "--zero-commit",
                       "--no-signature", "--stdout", commit)
            text = text[:text.index("\n---\n") + 5]
        subject = git(tree, "log", "-1", "--format=%f", commit).strip()
        fname = "%04d-%s.patch" % (n, subject[:52].rstrip("-."))
        with open(os.path.join(PATCHES, fname), "w") as f:
            f.write(text)
        lines.append(" ".join([fname] + entries))
    with open(SERIES, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("qemu-series: saved %d patches" % len(commits))


def cmd_export(args):
    os.makedirs(args.out, exist_ok=True)
    # git takes the cover letter's subject and blurb from the branch's
    # description: its first paragraph is the subject.
    try:
        with open(COVER_LETTER) as f:
            description = f.read()
    except OSError as e:
        sys.exit("qemu-series: the cover letter: %s" % e)
    out = git(args.tree, "-c", "branch.series.description=" + description,
              "format-patch", "--cover-letter", "--zero-commit",
              "--cover-from-description=subject",
              "-o", os.path.abspath(args.out), "pristine..series")
    sys.stdout.write(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("command", choices=["apply", "save", "export"])
    parser.add_argument("tree", help="QEMU git tree with tag 'pristine'")
    parser.add_argument("-o", "--out", default="series-export",
                        help="output directory of 'export'")
    args = parser.parse_args()
    {"apply": cmd_apply, "save": cmd_save, "export": cmd_export}[args.command](args)


if __name__ == "__main__":
    main()
