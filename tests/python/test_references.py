"""Stale references: a document, comment or template that names a repository path or a Rust
item of the workspace that does not exist (run by scripts/check-template.sh; standard library
only, no build needed).

Scanned: the repository's files as git lists them (tracked, and untracked ones that are not
ignored, so that a new document is checked before its commit) with a suffix of SUFFIXES, and
Makefile; not SKIPPED (verbatim upstream copies, lock files, sample events, generated data).

- Paths: a token that starts with a top-level entry of the repository (TOP_DIRS) or is a
  top-level file (TOP_FILES) must name a file or directory that git lists. Placeholders
  (`<name>`, `{name}`, `$name`), globs (`*`) and `...` match any run of characters; a brace
  list (`{a,b}`) names each of its paths; a `:line` suffix, an `#anchor` and trailing
  punctuation are dropped. Inside a crate (the nearest directory above with a Cargo.toml), a
  `src/...` or `tests/...` path in a .rs or .toml file may also be relative to the crate. In
  Markdown, every relative link target must exist, and its `#anchor` must be a heading there.
- Rust items: `a::b::c` paths in .rs comments, and in backticks (or fenced code) elsewhere,
  whose first segment is one of OUR_CRATES (or `crate`), or a CamelCase type: each segment
  after the crate must be defined in the workspace's .rs files (`fn`, `struct`, `enum`,
  `trait`, `type`, `const`, `static`, `mod`, `macro_rules!`, an enum variant, a field), and a
  `Type::member` must be a member of `Type` (in its `impl` blocks, its trait, its variants or
  its fields). A CamelCase type that the workspace does not define is ours only if it is not
  in EXTERNAL_TYPES, the small list of outside types that the documents name.
"""

import fnmatch
import functools
import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

SUFFIXES = (".md", ".rs", ".yaml", ".yml", ".py", ".sh", ".toml", ".mjs", ".ts")
SKIPPED_DIRS = ("docs/spec/", "events/")
SKIPPED_FILES = {
    "Cargo.lock",
    "fuzz/Cargo.lock",
    "tests/vectors/fixtures.json",
    THIS,  # its docstring and tests name examples of stale references
}

TOP_DIRS = (
    "shared", "functions", "tests", "tools", "docs", "deploy", "scripts", "bench", "events",
    "fuzz", ".ci", ".cargo",
)
TOP_FILES = (
    "README.md", "BENCHMARKS.md", "template.yaml", "openapi.yaml", "Cargo.toml", "Makefile",
    "rust-toolchain.toml",
)
# Never in the repository: build output, installed tools, dependencies.
NOT_IN_REPO = (".tools/", "target/", ".aws-sam/", "node_modules/", ".dev/")

OUR_CRATES = {
    "neptun_core", "neptun_dynamo", "neptun_testkit", "neptun_devtools", "neptun_import",
    "neptun_tests", "neptun_bench", "crate",
}
# CamelCase first segments that are not ours: std, dependencies, AWS, CloudFormation.
EXTERNAL_TYPES = {
    "Self", "Fn", "HttpApi", "Vec", "String", "Option", "Result", "Box", "Arc", "Rc", "HashMap",
    "HashSet", "BTreeMap", "BTreeSet", "Duration", "Instant", "SystemTime", "Path", "PathBuf",
    "Ordering", "Cow", "Some", "None", "Ok", "Err", "AttributeValue", "Client", "Body",
    "Request", "Response", "Method", "StatusCode", "HeaderMap", "HeaderValue", "Uuid",
    "Argon2", "Params", "Sha256", "Hmac", "SdkConfig", "BehaviorVersion", "Error",
}

PATH_START = re.compile(
    r"(?<![\w./\-$@~|])(?:(?:%s)/|(?:%s)(?![\w.\-/]))"
    % ("|".join(re.escape(d) for d in TOP_DIRS), "|".join(re.escape(f) for f in TOP_FILES))
)
CRATE_PATH_START = re.compile(r"(?<![\w./\-$@~|])(?:src|tests)/")
PATH_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/*<>~+@:$#")
TRAILING = ".,;:)!?'\"*"
RUST_PATH = re.compile(r"(?<![\w:])([A-Za-z_]\w*(?:::[A-Za-z_]\w*)+)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
MD_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def git_files():
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode()
    return sorted({f for f in out.split("\0") if f and (ROOT / f).is_file()})


@functools.cache
def repository():
    """(every file and directory that git lists, as posix paths; the sorted list of files)."""
    files = git_files()
    known = set()
    for f in files:
        known.add(f)
        parts = f.split("/")
        for i in range(1, len(parts)):
            known.add("/".join(parts[:i]))
    return known, files


def scanned_files():
    _, files = repository()
    for f in files:
        if f in SKIPPED_FILES or f.startswith(SKIPPED_DIRS) or f.endswith("package-lock.json"):
            continue
        if any(part in f for part in NOT_IN_REPO):
            continue
        if f.endswith(SUFFIXES) or f == "Makefile" or f.endswith("/Makefile"):
            yield f


# ---------------------------------------------------------------------------------------------
# Paths


def read_token(text, start):
    """The path token starting at `start`: path characters and `{...}` groups."""
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == "{":
            close = text.find("}", i)
            if close == -1 or "\n" in text[i:close] or " " in text[i:close]:
                break
            i = close + 1
        elif c in PATH_CHARS:
            i += 1
        else:
            break
    return text[start:i]


def expand_braces(token):
    """`a/{b,c}.rs` -> [`a/b.rs`, `a/c.rs`]; a group without a comma is a placeholder."""
    m = re.search(r"\{([^{}]*)\}", token)
    if not m:
        return [token]
    head, tail = token[: m.start()], token[m.end():]
    if "," not in m.group(1):
        return expand_braces(head + "\0" + tail)
    out = []
    for alternative in m.group(1).split(","):
        alternative = alternative.strip()
        if alternative and alternative != "...":
            out.extend(expand_braces(head + alternative + tail))
    return out


def clean(token):
    token = token.split("#", 1)[0]
    token = re.sub(r":[\d:\-]*$", "", token)
    while token and token[-1] in TRAILING:
        token = token[:-1]
    token = re.sub(r":[\d:\-]*$", "", token)
    return token


def as_pattern(path):
    """A glob of `path` when it holds placeholders, else None."""
    if not re.search(r"[<>*$\0]|\.\.\.", path):
        return None
    pattern = path.replace("...", "\0")
    pattern = re.sub(r"<[^<>/]*>?|\$\w*|\0", "*", pattern)
    pattern = pattern.replace("<", "*").replace(">", "*")
    return re.sub(r"\*+", "*", pattern).rstrip("/")


def exists(path):
    known, files = repository()
    path = path.rstrip("/")
    if not path:
        return True
    pattern = as_pattern(path)
    if pattern is None:
        return path in known
    return any(fnmatch.fnmatchcase(k, pattern) for k in known)


@functools.cache
def crate_root(file):
    """The nearest directory above `file` with a Cargo.toml (not the workspace root), or None."""
    known, _ = repository()
    parts = file.split("/")[:-1]
    while parts:
        directory = "/".join(parts)
        if f"{directory}/Cargo.toml" in known:
            return directory
        parts.pop()
    return None


def ignored(token):
    return any(part in token for part in NOT_IN_REPO)


def stale_paths_in(file, lineno, line, relative_to_crate):
    found = []
    starts = {m.start(): False for m in PATH_START.finditer(line)}
    if relative_to_crate:
        for m in CRATE_PATH_START.finditer(line):
            starts.setdefault(m.start(), True)  # `src/...`: only the crate's
    for start, crate_only in sorted(starts.items()):
        raw = read_token(line, start)
        if ignored(raw):
            continue
        for path in expand_braces(raw):
            path = clean(path)
            if not path or path.endswith("/.."):
                continue
            root = crate_root(file) if relative_to_crate else None
            candidates = [] if crate_only else [path]
            if root and path.startswith(("src/", "tests/")):
                candidates.append(f"{root}/{path}")
            if candidates and not any(exists(c) for c in candidates):
                found.append(f"{file}:{lineno}: path `{path.replace(chr(0), '{}')}` does not exist")
    return found


# ---------------------------------------------------------------------------------------------
# Markdown links


def slug(heading):
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@functools.cache
def anchors(file):
    seen = defaultdict(int)
    out = set()
    in_fence = False
    for line in (ROOT / file).read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        m = None if in_fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            out.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
            seen[base] += 1
    return out


def stale_links_in(file, lineno, line):
    found = []
    known, _ = repository()
    for m in MD_LINK.finditer(line):
        target = m.group(1).strip("<>")
        if re.match(r"^[a-z][a-z0-9+.\-]*:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        if path:
            resolved = os.path.normpath(os.path.join(os.path.dirname(file), path)).replace(os.sep, "/")
            if resolved.startswith("../") or ignored(resolved + "/"):
                continue
            if resolved not in known:
                found.append(f"{file}:{lineno}: link `{target}` names a missing `{resolved}`")
                continue
        else:
            resolved = file
        if anchor and resolved.endswith(".md") and (ROOT / resolved).is_file():
            if anchor not in anchors(resolved):
                found.append(f"{file}:{lineno}: link `{target}`: no heading `#{anchor}` in {resolved}")
    return found


# ---------------------------------------------------------------------------------------------
# Rust items


def strip_rust(text):
    """`text` with comments, string and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j == -1 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j == -1 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 8]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            j = text.find('"' + hashes, i + len(hashes) + 2)
            j = n if j == -1 else j + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'":
            m = re.match(r"'(?:\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block(text, open_at):
    """The text inside the braces that open at `open_at`, and the index after them."""
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1: j], j + 1
    return text[open_at + 1:], len(text)


def top_level(body):
    """The parts of `body` outside nested braces, parentheses and brackets, line by line."""
    out, depth = [], 0
    for c in body:
        if c in "{([":
            depth += 1
            out.append(" ")
        elif c in "})]":
            depth -= 1
            out.append(" ")
        else:
            out.append(c if depth == 0 or c == "\n" else " ")
    return "".join(out)


# `const fn x` defines `x`, not `fn`.
NOT_FN = r"(?!(?:fn|unsafe|async|extern)\b)"
ITEM = re.compile(
    rf"(?<!')\b(?:fn|struct|enum|trait|type|const|static|mod|union)\s+{NOT_FN}(?:r#)?([A-Za-z_]\w*)"
    r"|\bmacro_rules!\s*([A-Za-z_]\w*)"
)
MEMBER = re.compile(rf"(?<!')\b(?:fn|const|type|static)\s+{NOT_FN}(?:r#)?([A-Za-z_]\w*)")
CONTAINER = re.compile(r"\b(impl|trait|enum|struct|union)\b")


def impl_target(header):
    """The type an `impl` header implements for: `impl<T> Trait for Type<T> where ...`."""
    header = re.sub(r"\bwhere\b.*", "", header, flags=re.S)
    header = header.strip()
    if header.startswith("<"):
        depth = 0
        for k, c in enumerate(header):
            depth += c == "<"
            depth -= c == ">"
            if depth == 0:
                header = header[k + 1:]
                break
    names = []
    for part in re.split(r"\bfor\b", header):
        part = re.sub(r"<.*", "", part.strip(), flags=re.S)
        part = re.sub(r"^(?:&\s*(?:'\w+\s+)?(?:mut\s+)?|dyn\s+)", "", part).strip()
        if part:
            names.append(part.split("::")[-1].strip())
    return names


@functools.cache
def rust_index():
    """({every name the workspace defines}, {type or trait: {its members}})."""
    _, files = repository()
    names, members, generated = set(), defaultdict(set), set()
    for f in files:
        if not f.endswith(".rs") or ignored(f):
            continue
        raw = (ROOT / f).read_text(encoding="utf-8")
        code = strip_rust(raw)
        # A build script's items are in the strings it writes out.
        for m in ITEM.finditer(raw if f.endswith("build.rs") else code):
            names.add(m.group(1) or m.group(2))
        for m in CONTAINER.finditer(code):
            kind = m.group(1)
            open_at = code.find("{", m.end())
            stop = code.find(";", m.end())
            if open_at == -1 or (stop != -1 and stop < open_at):
                continue  # `struct X;`, `struct X(u8);`
            header = code[m.end(): open_at]
            body, _ = block(code, open_at)
            if kind == "impl":
                owners = impl_target(header)[-1:]  # the type, not the trait it implements
            else:
                name = re.match(r"\s*([A-Za-z_]\w*)", header)
                if not name:
                    continue
                owners = [name.group(1)]
            flat = top_level(body)
            own = set(MEMBER.findall(flat)) if kind in ("impl", "trait") else set()
            if kind == "enum":
                own |= set(re.findall(r"(?m)^[\s#]*([A-Za-z_]\w*)\s*(?=[,({=]|$)", flat))
            if kind in ("struct", "union", "enum"):
                fields = re.findall(r"(?m)^\s*(?:pub(?:\s*\([^)]*\))?\s+)?([a-z_]\w*)\s*:(?!:)", body)
                own |= set(fields)
                names |= set(fields)
            if kind == "enum":
                names |= own
            for owner in owners:
                members[owner] |= own
                if "$" in body:
                    generated.add(owner)  # declared by a macro: its members are its input's
    return names, members, generated


def camel(name):
    return name[:1].isupper() and any(c.islower() for c in name)


def stale_item(path):
    """Why `path` (a::b::c) names nothing of ours, or None."""
    names, members, generated = rust_index()
    segments = path.split("::")
    first = segments[0]
    if first in OUR_CRATES:
        rest = segments[1:]
    elif camel(first) and first not in EXTERNAL_TYPES:
        rest = segments
    else:
        return None
    for k, segment in enumerate(rest):
        if segment in ("self", "super", "crate"):
            continue
        if segment not in names:
            return f"`{segment}` is not defined in the workspace"
        if k > 0 and camel(rest[k - 1]) and rest[k - 1] in members and rest[k - 1] not in generated:
            owner = rest[k - 1]
            if segment not in members[owner]:
                return f"`{owner}` has no member `{segment}`"
    return None


def stale_items_in(file, lineno, text):
    found = []
    for m in RUST_PATH.finditer(text):
        reason = stale_item(m.group(1))
        if reason:
            found.append(f"{file}:{lineno}: Rust item `{m.group(1)}`: {reason}")
    return found


def rust_comment(line):
    """The `//` comment of a line of Rust, outside string literals, or ''."""
    quotes = 0
    for k in range(len(line) - 1):
        c = line[k]
        if c == '"' and (k == 0 or line[k - 1] != "\\"):
            quotes += 1
        elif line.startswith("//", k) and quotes % 2 == 0:
            return line[k:]
    return ""


# ---------------------------------------------------------------------------------------------


def stale_references():
    found = []
    for f in scanned_files():
        text = (ROOT / f).read_text(encoding="utf-8", errors="replace")
        is_rust, is_md = f.endswith(".rs"), f.endswith(".md")
        crate_relative = f.endswith((".rs", ".toml")) and crate_root(f) is not None
        in_fence = False
        for lineno, line in enumerate(text.splitlines(), 1):
            if is_rust:
                comment = rust_comment(line)
                found += stale_paths_in(f, lineno, comment, crate_relative)
                found += stale_items_in(f, lineno, comment)
                continue
            found += stale_paths_in(f, lineno, line, crate_relative)
            if is_md:
                if FENCE.match(line):
                    in_fence = not in_fence
                    continue
                found += stale_links_in(f, lineno, line)
                if in_fence:
                    found += stale_items_in(f, lineno, line)
                    continue
            for span in CODE_SPAN.finditer(line):
                found += stale_items_in(f, lineno, span.group(1))
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1]), s))


def test_no_document_comment_or_template_names_a_missing_path_or_item():
    stale = stale_references()
    assert not stale, f"{len(stale)} stale reference(s):\n" + "\n".join(stale)


def test_the_checks_catch_what_they_are_for():
    # Paths: placeholders, globs, brace lists, line suffixes, crate-relative paths.
    assert exists("functions/*") and exists("events/<function>/<status>-<case>.json")
    assert [clean(p) for p in expand_braces("tests/tests/{it,nope}/main.rs:12")] == [
        "tests/tests/it/main.rs", "tests/tests/nope/main.rs"]
    assert stale_paths_in("x.md", 1, "see `tests/tests/{it/main,gone}.rs:3`.", False) == [
        "x.md:1: path `tests/tests/gone.rs` does not exist"]
    assert not stale_paths_in("x.md", 1, "events/<function>/<status>-<case>.json, shared/...", False)
    assert not stale_paths_in("tests/src/lib.rs", 1, "// tests/it/main.rs", True)
    # Links and anchors.
    assert not stale_links_in("README.md", 1, "[t](docs/deploy.md#the-table)")
    assert stale_links_in("README.md", 1, "[t](docs/deploy.md#no-such-heading)")
    # Rust items: a type's member, a crate path, outside items.
    assert stale_item("Function::ALL") is None
    assert stale_item("Function::NOPE") is not None
    assert stale_item("neptun_dynamo::context::app_context") is None
    assert stale_item("neptun_dynamo::context::no_such_fn") is not None
    assert stale_item("std::env::var") is None and stale_item("Vec::new") is None
