"""What blocks the event loop: one data-driven catalog shared by every FPI1xx rule.

The catalog is keyed by *resolved* names (`Ref` quals from `FileContext.resolve` or
`ProjectIndex.ref_of_value`), never by spelling, so `import requests as r; r.get(...)` matches and
a local variable named `requests` does not. Two tables:

* ``FUNCTIONS``: module-level callables (`requests.get`, `builtins.open`, `os.system`).
* ``TYPES``: objects whose methods block, keyed by the instance name the index gives them
  (`httpx.Client`, `sqlite3.connect` for what `sqlite3.connect()` returns,
  `sqlalchemy.orm.sessionmaker()` for what `SessionLocal()` returns). A method call resolves to
  `Ref("member", "<instance>.<method>")`.

Every entry carries a category (which rule reports it) and the async alternative the message
names. `classify(ref, extra)` is the single question every rule asks, including the transitive
rule, which asks it of the calls recorded in the `ast` summaries of other modules.

Decisions worth knowing:
* stat-like calls (`os.path.exists`, `Path.exists`, `Path.stat`, `os.listdir`) touch the disk and
  count as filesystem I/O; pure path work (`os.path.join`, `Path(...)`, `.name`, `.suffix`,
  `PurePath`, `.resolve()`, `.absolute()`) does not.
* Methods of a file object returned by `open()` are not catalogued: `open()` is the one finding.
* An awaited call (`await client.get(...)`) is never judged blocking: whatever the annotation
  says, the object returns awaitables (FPI105's `await file.file.read()` aside).
* Sync SQLAlchemy/SQLModel sessions, `UploadFile.file` and password hashing have their own
  categories and rules, so a node is reported by exactly one rule of the family.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ...index import branches
from ...index.project import ProjectIndex, Ref
from ...index.reach import project_callable
from ...index.shapes import (
    Const,
    ParamBinding,
    decorator_callee,
    dotted,
    name_shape,
    view,
    view_binding,
)
from ...index.summary import BUILTIN_NAMES
from ...model import ChainHop

# Categories, one per reporting rule.
SLEEP = "sleep"
HTTP = "http"
SUBPROCESS = "subprocess"
FILESYSTEM = "filesystem"
CLIENT = "client"
SESSION = "session"
UPLOAD = "upload"
HASHING = "hashing"
CONFIGURED = "configured"


@dataclass(frozen=True)
class Blocking:
    """Why a call blocks: its category, the name shown in messages and what to use instead."""

    category: str
    call: str
    use: str


@dataclass(frozen=True)
class _Entry:
    category: str
    use: str


@dataclass(frozen=True)
class _Type:
    category: str
    label: str  # shown in messages: "httpx.Client", "sqlite3.Cursor"
    use: str
    methods: frozenset[str] | None  # None: every method blocks except `exclude`
    exclude: frozenset[str] = frozenset()
    # Methods reached through attribute chains (`client.db.users.find_one`).
    deep: bool = False


FUNCTIONS: dict[str, _Entry] = {}
TYPES: dict[str, _Type] = {}


def _functions(category: str, use: str, module: str, names: Iterable[str]) -> None:
    for name in names:
        FUNCTIONS[f"{module}.{name}" if module else name] = _Entry(category, use)


def _type(
    category: str,
    use: str,
    quals: Sequence[str],
    methods: Iterable[str] | None,
    *,
    label: str | None = None,
    exclude: Iterable[str] = (),
    deep: bool = False,
) -> None:
    spec = _Type(
        category,
        label or quals[0],
        use,
        frozenset(methods) if methods is not None else None,
        frozenset(exclude),
        deep,
    )
    for qual in quals:
        TYPES[qual] = spec


# -- sleep ----------------------------------------------------------------------------------------
_functions(SLEEP, "`await asyncio.sleep()`", "time", ["sleep"])

# Waiting on a thread lock without a timeout parks the loop until another thread releases it
# (`blocks_with` drops `acquire(False)`, `acquire(blocking=False)` and `acquire(timeout=...)`).
_LOCK_USE = "`asyncio.Lock` (or `await asyncio.to_thread(lock.acquire)`)"
_type(
    SLEEP,
    _LOCK_USE,
    [
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Condition",
        "_thread.allocate_lock",
    ],
    ["acquire"],
    label="threading.Lock",
)

# -- HTTP -----------------------------------------------------------------------------------------
_HTTP_VERBS = ["get", "post", "put", "patch", "delete", "head", "options", "request"]
_ASYNC_HTTP = "`httpx.AsyncClient`"
_functions(HTTP, _ASYNC_HTTP, "requests", _HTTP_VERBS)
_functions(HTTP, _ASYNC_HTTP, "requests.api", _HTTP_VERBS)
_type(
    HTTP,
    _ASYNC_HTTP,
    [
        "requests.Session",
        "requests.sessions.Session",
        "requests.session",
        "requests.sessions.session",
    ],
    [*_HTTP_VERBS, "send"],
    label="requests.Session",
)
_functions(HTTP, _ASYNC_HTTP, "httpx", [*_HTTP_VERBS, "stream"])
_type(
    HTTP,
    _ASYNC_HTTP,
    ["httpx.Client", "httpx._client.Client"],
    [*_HTTP_VERBS, "send", "stream"],
    label="httpx.Client",
)
_functions(HTTP, _ASYNC_HTTP, "urllib.request", ["urlopen", "urlretrieve"])
_type(
    HTTP,
    _ASYNC_HTTP,
    ["urllib.request.build_opener", "urllib.request.OpenerDirector"],
    ["open"],
    label="urllib.request.OpenerDirector",
)
_functions(HTTP, _ASYNC_HTTP, "urllib3", ["request"])
_type(
    HTTP,
    _ASYNC_HTTP,
    [
        "urllib3.PoolManager",
        "urllib3.poolmanager.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "urllib3.connectionpool.HTTPConnectionPool",
        "urllib3.connectionpool.HTTPSConnectionPool",
        "urllib3.connection_from_url",
    ],
    ["request", "urlopen", "request_encode_url", "request_encode_body"],
    label="urllib3.PoolManager",
)
_type(
    HTTP,
    _ASYNC_HTTP,
    ["http.client.HTTPConnection", "http.client.HTTPSConnection"],
    ["request", "getresponse", "connect", "send", "endheaders"],
    label="http.client.HTTPConnection",
)

# -- subprocesses ---------------------------------------------------------------------------------
_ASYNC_EXEC = "`await asyncio.create_subprocess_exec()`"
_functions(
    SUBPROCESS,
    _ASYNC_EXEC,
    "subprocess",
    ["run", "call", "check_call", "check_output", "getoutput", "getstatusoutput", "Popen"],
)
_type(
    SUBPROCESS,
    "`asyncio.create_subprocess_exec()` and `await process.communicate()`",
    ["subprocess.Popen"],
    ["communicate", "wait"],
)
_functions(SUBPROCESS, "`await asyncio.create_subprocess_shell()`", "os", ["system", "popen"])
# fork() copies the whole process (and its loop) and exec*() replaces it: neither belongs on
# a serving loop.
_functions(
    SUBPROCESS,
    _ASYNC_EXEC,
    "os",
    [
        "fork",
        "forkpty",
        "execl",
        "execle",
        "execlp",
        "execlpe",
        "execv",
        "execve",
        "execvp",
        "execvpe",
    ],
)
# GitPython runs `git` in a subprocess for almost every operation.
_GIT_USE = "`await asyncio.to_thread(...)` around the GitPython call"
_functions(SUBPROCESS, _GIT_USE, "git.Repo", ["clone_from", "init"])
_functions(SUBPROCESS, _GIT_USE, "git.repo.base.Repo", ["clone_from", "init"])
_type(
    SUBPROCESS,
    _GIT_USE,
    ["git.Repo", "git.repo.base.Repo", "git.Repo.clone_from", "git.Repo.init"],
    None,
    exclude=["close", "working_dir", "working_tree_dir", "git_dir", "common_dir", "bare"],
    deep=True,
    label="git.Repo",
)
# pygit2 runs libgit2 in the calling thread: opening a repository, reading and writing refs,
# objects, the index and the work tree touch the disk; fetch, push and clone talk to the
# remote. Pure object work (`reference_is_valid_name`, `Oid`, `Signature`, attribute reads
# like `commit.hex` or `ref.name`) does not, and `Repository.free()` only releases memory.
_PYGIT2_USE = "`await asyncio.to_thread(...)` around the pygit2 call"
_functions(
    FILESYSTEM,
    _PYGIT2_USE,
    "pygit2",
    ["Repository", "init_repository", "discover_repository"],
)
_functions(FILESYSTEM, _PYGIT2_USE, "pygit2.repository", ["Repository"])
_functions(CLIENT, _PYGIT2_USE, "pygit2", ["clone_repository"])
_PYGIT2_REPOSITORY_METHODS = [
    "lookup_reference",
    "lookup_reference_dwim",
    "resolve_refish",
    "create_reference",
    "create_reference_direct",
    "create_reference_symbolic",
    "listall_references",
    "listall_reference_objects",
    "lookup_branch",
    "listall_branches",
    "create_branch",
    "create_commit",
    "create_tag",
    "create_blob",
    "create_blob_fromworkdir",
    "create_blob_fromdisk",
    "revparse",
    "revparse_single",
    "revparse_ext",
    "get",
    "read",
    "write",
    "walk",
    "diff",
    "merge",
    "merge_base",
    "merge_analysis",
    "merge_commits",
    "merge_trees",
    "descendant_of",
    "ahead_behind",
    "checkout",
    "checkout_head",
    "checkout_index",
    "checkout_tree",
    "status",
    "status_file",
    "reset",
    "set_head",
    "stash",
    "stash_apply",
    "stash_pop",
    "stash_drop",
    "apply",
    "cherrypick",
    "revert_commit",
    "state_cleanup",
    "blame",
    "describe",
    "add_worktree",
    "list_worktrees",
    "lookup_submodule",
    "compress_references",
    # Through the repository's collections (`repo.branches.local.create(...)`,
    # `repo.references.delete(...)`, `repo.remotes.create(...)`, `repo.index.write()`).
    "create",
    "delete",
    "rename",
    "set_url",
    "set_push_url",
    "add_fetch",
    "add_push",
    "add",
    "add_all",
    "remove",
    "remove_all",
    "update_all",
    "read_tree",
    "write_tree",
]
_type(
    FILESYSTEM,
    _PYGIT2_USE,
    [
        "pygit2.Repository",
        "pygit2.repository.Repository",
        "pygit2.init_repository",
        "pygit2.clone_repository",
    ],
    _PYGIT2_REPOSITORY_METHODS,
    deep=True,
    label="pygit2.Repository",
)
_type(
    FILESYSTEM,
    _PYGIT2_USE,
    [
        "pygit2.Reference",
        "pygit2._pygit2.Reference",
        "pygit2.Branch",
        "pygit2._pygit2.Branch",
        # What a lookup gives when the project does not annotate it.
        "pygit2.Repository.lookup_reference()",
        "pygit2.Repository.lookup_reference_dwim()",
        "pygit2.Repository.create_reference()",
        "pygit2.Repository.lookup_branch()",
        "pygit2.Repository.create_branch()",
    ],
    ["set_target", "delete", "rename", "resolve", "peel", "log", "is_checked_out", "is_head"],
    label="pygit2.Reference",
)
_type(
    FILESYSTEM,
    _PYGIT2_USE,
    ["pygit2.Index", "pygit2.index.Index"],
    [
        "read",
        "write",
        "write_tree",
        "read_tree",
        "add",
        "add_all",
        "remove",
        "remove_all",
        "update_all",
    ],
    label="pygit2.Index",
)
_type(
    CLIENT,
    _PYGIT2_USE,
    ["pygit2.Remote", "pygit2.remotes.Remote"],
    ["fetch", "push", "ls_remotes", "connect", "prune"],
    label="pygit2.Remote",
)
_functions(
    SUBPROCESS,
    _ASYNC_EXEC,
    "os",
    [
        "spawnl",
        "spawnle",
        "spawnlp",
        "spawnlpe",
        "spawnv",
        "spawnve",
        "spawnvp",
        "spawnvpe",
        "posix_spawn",
        "posix_spawnp",
    ],
)
_functions(
    SUBPROCESS,
    "`await process.wait()` on an asyncio subprocess",
    "os",
    ["wait", "waitpid", "wait3", "wait4", "waitid"],
)

# -- filesystem -----------------------------------------------------------------------------------
_ASYNC_OPEN = "`anyio.open_file()` or `aiofiles.open()`"
_ASYNC_FS = "`anyio.Path`, `aiofiles.os` or `await asyncio.to_thread(...)`"
_functions(FILESYSTEM, _ASYNC_OPEN, "builtins", ["open"])
_functions(FILESYSTEM, _ASYNC_OPEN, "io", ["open", "open_code"])
_functions(FILESYSTEM, _ASYNC_OPEN, "codecs", ["open"])
_functions(
    FILESYSTEM,
    _ASYNC_FS,
    "os",
    [
        "open",
        "read",
        "write",
        "fsync",
        "listdir",
        "scandir",
        "walk",
        "fwalk",
        "stat",
        "lstat",
        "statvfs",
        "access",
        "mkdir",
        "makedirs",
        "remove",
        "unlink",
        "rmdir",
        "removedirs",
        "rename",
        "renames",
        "replace",
        "chmod",
        "chown",
        "link",
        "symlink",
        "readlink",
        "truncate",
        "utime",
        "sendfile",
    ],
)
_functions(
    FILESYSTEM,
    _ASYNC_FS,
    "os.path",
    [
        "exists",
        "lexists",
        "isfile",
        "isdir",
        "islink",
        "ismount",
        "getsize",
        "getmtime",
        "getatime",
        "getctime",
        "samefile",
    ],
)
_functions(
    FILESYSTEM,
    _ASYNC_FS,
    "shutil",
    [
        "copy",
        "copy2",
        "copyfile",
        "copyfileobj",
        "copymode",
        "copystat",
        "copytree",
        "rmtree",
        "move",
        "make_archive",
        "unpack_archive",
        "disk_usage",
        "chown",
    ],
)
_functions(FILESYSTEM, _ASYNC_FS, "glob", ["glob", "iglob"])
_functions(
    FILESYSTEM,
    _ASYNC_FS,
    "tempfile",
    ["NamedTemporaryFile", "TemporaryFile", "TemporaryDirectory", "mkstemp", "mkdtemp"],
)
# Archives: extracting writes files and adding reads them, whatever the archive itself is kept
# in (`ZipFile(io.BytesIO(data))` included); opening or listing an archive in memory does not.
_type(FILESYSTEM, _ASYNC_FS, ["zipfile.ZipFile"], ["extract", "extractall", "write"])
_type(
    FILESYSTEM,
    _ASYNC_FS,
    ["tarfile.TarFile", "tarfile.open", "tarfile.TarFile.open"],
    ["extract", "extractall", "add"],
    label="tarfile.TarFile",
)
# Advisory file locks wait for whoever holds the lock.
_functions(FILESYSTEM, "`await asyncio.to_thread(fcntl.flock, ...)`", "fcntl", ["flock", "lockf"])
PATH_TYPES = ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath")
_PATH_IO = [
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "is_mount",
    "stat",
    "lstat",
    "owner",
    "group",
    "samefile",
    "iterdir",
    "glob",
    "rglob",
    "walk",
    "mkdir",
    "rmdir",
    "unlink",
    "touch",
    "rename",
    "replace",
    "chmod",
    "readlink",
    "symlink_to",
    "hardlink_to",
]
_type(FILESYSTEM, "`anyio.Path` (its I/O methods are coroutines)", PATH_TYPES, _PATH_IO)
# Members of a Path that give a Path again, without I/O: `p.parent.exists()` is still `Path.exists`.
_PATH_PRESERVING = (
    ".parent",
    ".with_name()",
    ".with_suffix()",
    ".with_stem()",
    ".joinpath()",
    ".absolute()",
    ".resolve()",
    ".expanduser()",
    ".relative_to()",
    ".cwd",
    ".home",
)

# -- database and network clients -----------------------------------------------------------------
_DBAPI_CONNECTION = ["execute", "executemany", "executescript", "commit", "rollback", "backup"]
_DBAPI_CURSOR = [
    "execute",
    "executemany",
    "executescript",
    "callproc",
    "fetchone",
    "fetchmany",
    "fetchall",
]


def _dbapi(module_connect: Sequence[str], use: str, label: str) -> None:
    _functions(CLIENT, use, "", module_connect)
    _type(CLIENT, use, list(module_connect), _DBAPI_CONNECTION, label=f"{label}.Connection")
    _type(
        CLIENT,
        use,
        [f"{qual}.cursor()" for qual in module_connect],
        _DBAPI_CURSOR,
        label=f"{label}.Cursor",
    )


_dbapi(["sqlite3.connect"], "`aiosqlite`", "sqlite3")
_dbapi(["psycopg2.connect"], "`asyncpg` or psycopg 3's `AsyncConnection`", "psycopg2")
_dbapi(
    ["psycopg.connect", "psycopg.Connection.connect"],
    "`psycopg.AsyncConnection`",
    "psycopg",
)
_dbapi(["pymysql.connect", "pymysql.Connect"], "`aiomysql` or `asyncmy`", "pymysql")
_dbapi(["MySQLdb.connect", "MySQLdb.Connect"], "`aiomysql` or `asyncmy`", "MySQLdb")
_dbapi(["mysql.connector.connect"], "`aiomysql` or `asyncmy`", "mysql.connector")
_type(
    CLIENT,
    "`sqlalchemy.ext.asyncio.create_async_engine()`",
    [
        "sqlalchemy.create_engine.connect()",
        "sqlalchemy.create_engine.begin()",
        "sqlmodel.create_engine.connect()",
        "sqlmodel.create_engine.begin()",
    ],
    ["execute", "exec_driver_sql", "scalar", "scalars", "commit", "rollback"],
    label="sqlalchemy.engine.Connection",
)
_type(
    CLIENT,
    "`sqlalchemy.ext.asyncio.create_async_engine()`",
    ["sqlalchemy.create_engine", "sqlmodel.create_engine", "sqlalchemy.engine.create_engine"],
    ["connect", "begin"],
    label="sqlalchemy.engine.Engine",
)
_REDIS_USE = "`redis.asyncio.Redis`"
_type(
    CLIENT,
    _REDIS_USE,
    [
        "redis.Redis",
        "redis.StrictRedis",
        "redis.client.Redis",
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.client.Redis.from_url",
    ],
    None,
    exclude=["pipeline", "pubsub", "lock", "register_script", "close"],
    label="redis.Redis",
)
_type(
    CLIENT,
    _REDIS_USE,
    [f"{q}.pipeline()" for q in ("redis.Redis", "redis.StrictRedis", "redis.from_url")],
    ["execute"],
    label="redis.client.Pipeline",
)
_type(
    CLIENT,
    "`pymongo.AsyncMongoClient` or `motor`",
    ["pymongo.MongoClient", "pymongo.mongo_client.MongoClient"],
    [
        "find",
        "find_one",
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "aggregate",
        "count_documents",
        "estimated_document_count",
        "distinct",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "bulk_write",
        "create_index",
        "drop",
        "command",
        "list_database_names",
        "list_collection_names",
        "server_info",
    ],
    deep=True,
    label="pymongo.MongoClient",
)
_type(
    CLIENT,
    "`aioboto3` or `aiobotocore`",
    [
        "boto3.client",
        "boto3.Session.client()",
        "boto3.session.Session.client()",
        # What a typed project annotates its client with (`def make() -> BaseClient`).
        "botocore.client.BaseClient",
    ],
    None,
    exclude=[
        "generate_presigned_url",
        "generate_presigned_post",
        "get_paginator",
        "get_waiter",
        "can_paginate",
        "close",
        "meta",
        "exceptions",
    ],
    label="botocore.client.BaseClient",
)
_type(
    CLIENT,
    "`elasticsearch.AsyncElasticsearch`",
    ["elasticsearch.Elasticsearch"],
    None,
    exclude=["close", "options"],
    deep=True,
)
_functions(CLIENT, "`aiosmtplib`", "smtplib", ["SMTP", "SMTP_SSL", "LMTP"])
_type(
    CLIENT,
    "`aiosmtplib`",
    ["smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"],
    ["connect", "ehlo", "helo", "starttls", "login", "sendmail", "send_message", "quit", "noop"],
    label="smtplib.SMTP",
)
# Mail and news clients connect in their constructor and talk to the server in every method.
for _module, _classes, _use in (
    ("poplib", ["POP3", "POP3_SSL"], "`await asyncio.to_thread(...)`"),
    ("imaplib", ["IMAP4", "IMAP4_SSL", "IMAP4_stream"], "`aioimaplib`"),
    ("nntplib", ["NNTP", "NNTP_SSL"], "`await asyncio.to_thread(...)`"),
):
    _functions(CLIENT, _use, _module, _classes)
    _type(
        CLIENT,
        _use,
        [f"{_module}.{name}" for name in _classes],
        None,
        exclude=["debug", "set_debuglevel", "getwelcome", "file", "sock"],
        label=f"{_module}.{_classes[0]}",
    )
# Creating or dropping every table talks to the database through the engine.
_METADATA_USE = "`await conn.run_sync(metadata.create_all)` on an async engine, or a thread"
_type(
    CLIENT,
    _METADATA_USE,
    [
        "sqlalchemy.MetaData",
        "sqlalchemy.schema.MetaData",
        "sqlalchemy.sql.schema.MetaData",
        "sqlmodel.SQLModel.metadata",
        "sqlmodel.main.SQLModel.metadata",
        "sqlalchemy.orm.declarative_base.metadata",
        "sqlalchemy.ext.declarative.declarative_base.metadata",
        "sqlalchemy.orm.DeclarativeBase.metadata",
        "sqlalchemy.orm.decl_api.DeclarativeBase.metadata",
    ],
    ["create_all", "drop_all", "reflect"],
    label="sqlalchemy.MetaData",
)
_functions(CLIENT, _METADATA_USE, "sqlmodel.SQLModel.metadata", ["create_all", "drop_all"])
_functions(CLIENT, "`aioftp`", "ftplib", ["FTP", "FTP_TLS"])
_type(
    CLIENT,
    "`aioftp`",
    ["ftplib.FTP", "ftplib.FTP_TLS"],
    [
        "connect",
        "login",
        "cwd",
        "nlst",
        "dir",
        "mlsd",
        "retrbinary",
        "retrlines",
        "storbinary",
        "storlines",
        "delete",
        "rename",
        "size",
        "mkd",
        "rmd",
        "quit",
    ],
    label="ftplib.FTP",
)
_functions(CLIENT, "`await asyncio.open_connection()`", "socket", ["create_connection"])
_functions(CLIENT, "`await loop.getnameinfo()`", "socket", ["getnameinfo"])
_functions(
    CLIENT,
    "`await loop.getaddrinfo()`",
    "socket",
    [
        "getaddrinfo",
        "gethostbyname",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getfqdn",
    ],
)
_type(
    CLIENT,
    "`asyncio.open_connection()` streams or `loop.sock_*()`",
    ["socket.socket", "socket.create_connection", "socket.socket.accept()"],
    [
        "connect",
        "connect_ex",
        "accept",
        "send",
        "sendall",
        "sendto",
        "sendfile",
        "recv",
        "recv_into",
        "recvfrom",
        "recvfrom_into",
    ],
    label="socket.socket",
)
_functions(
    CLIENT,
    "`await asyncio.to_thread(input)`, or better no console input in a server",
    "builtins",
    ["input"],
)

# -- sync SQLAlchemy / SQLModel sessions ----------------------------------------------------------
SESSION_METHODS = frozenset(
    {
        "execute",
        "exec",
        "query",
        "get",
        "get_one",
        "scalar",
        "scalars",
        "commit",
        "flush",
        "refresh",
        "delete",
        "merge",
        "rollback",
    }
)
SESSION_TYPES = (
    "sqlmodel.Session",
    "sqlmodel.orm.session.Session",
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlalchemy.orm.scoped_session",
    "sqlalchemy.orm.scoping.scoped_session",
    "sqlalchemy.orm.sessionmaker()",
    "sqlalchemy.orm.session.sessionmaker()",
    "sqlalchemy.orm.sessionmaker.begin()",
    "sqlalchemy.orm.session.sessionmaker.begin()",
)
_type(
    SESSION,
    "`sqlalchemy.ext.asyncio.AsyncSession` (or a plain `def` path operation)",
    SESSION_TYPES,
    SESSION_METHODS,
    label="Session",
)

# -- UploadFile.file ------------------------------------------------------------------------------
UPLOAD_TYPES = (
    "fastapi.UploadFile",
    "fastapi.datastructures.UploadFile",
    "starlette.datastructures.UploadFile",
)
#: Methods of the underlying file that UploadFile offers as coroutines with the same arguments.
UPLOAD_ASYNC_METHODS = frozenset({"read", "write", "seek", "close"})
_type(
    UPLOAD,
    "the `UploadFile` coroutine (`await file.read()`)",
    [f"{qual}.file" for qual in UPLOAD_TYPES],
    ["read", "write", "seek", "close", "readline", "readlines", "truncate", "flush"],
    label="UploadFile.file",
)

# -- CPU-heavy password hashing -------------------------------------------------------------------
_HASH_USE = "`await run_in_threadpool(...)`"
_functions(HASHING, _HASH_USE, "bcrypt", ["hashpw", "checkpw", "kdf"])
_functions(HASHING, _HASH_USE, "hashlib", ["pbkdf2_hmac", "scrypt"])
_functions(
    HASHING,
    _HASH_USE,
    "argon2.low_level",
    ["hash_secret", "hash_secret_raw", "verify_secret"],
)
for _scheme in (
    "bcrypt",
    "bcrypt_sha256",
    "argon2",
    "pbkdf2_sha256",
    "pbkdf2_sha512",
    "sha256_crypt",
    "sha512_crypt",
    "scrypt",
):
    _functions(HASHING, _HASH_USE, f"passlib.hash.{_scheme}", ["hash", "verify", "encrypt"])
_type(
    HASHING,
    _HASH_USE,
    ["passlib.context.CryptContext", "passlib.CryptContext"],
    ["hash", "verify", "verify_and_update", "encrypt"],
    label="CryptContext",
)
_type(
    HASHING,
    _HASH_USE,
    [
        "pwdlib.PasswordHash",
        "pwdlib.PasswordHash.recommended",
        "pwdlib.hashers.argon2.Argon2Hasher",
        "pwdlib.hashers.bcrypt.BcryptHasher",
    ],
    ["hash", "verify", "verify_and_update"],
    label="pwdlib.PasswordHash",
)
_type(
    HASHING,
    _HASH_USE,
    ["argon2.PasswordHasher", "argon2.PasswordHasher.from_parameters"],
    ["hash", "verify"],
    label="argon2.PasswordHasher",
)


# -- offloaders -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Offloader:
    """A callable that runs its callable argument elsewhere (a thread, the background)."""

    qual: str
    callable_index: int  # position of the callable among the positional arguments
    forwards_kwargs: bool  # extra keyword arguments reach the callable
    offloads: bool = True  # False: by-reference only (BackgroundTasks run after the response)


# What an event loop resolves to: its getters' results and its classes.
EVENT_LOOPS = (
    "asyncio.get_running_loop",
    "asyncio.get_event_loop",
    "asyncio.new_event_loop",
    "asyncio.AbstractEventLoop",
    "asyncio.events.AbstractEventLoop",
    "asyncio.BaseEventLoop",
)
OFFLOADERS: dict[str, Offloader] = {}
for _qual, _index, _kwargs in [
    ("asyncio.to_thread", 0, True),
    ("asyncio.threads.to_thread", 0, True),
    ("anyio.to_thread.run_sync", 0, False),
    ("starlette.concurrency.run_in_threadpool", 0, True),
    ("fastapi.concurrency.run_in_threadpool", 0, True),
    *[(f"{loop}.run_in_executor", 1, False) for loop in EVENT_LOOPS],
]:
    OFFLOADERS[_qual] = Offloader(_qual, _index, _kwargs)
for _qual in (
    "fastapi.BackgroundTasks.add_task",
    "fastapi.background.BackgroundTasks.add_task",
    "starlette.background.BackgroundTasks.add_task",
):
    OFFLOADERS[_qual] = Offloader(_qual, 0, True, offloads=False)
PARTIALS = frozenset({"functools.partial"})


# -- user configuration ---------------------------------------------------------------------------
REPORT_DEBUG_SWITCHES = "report-debug-switches"


@dataclass(frozen=True)
class Extra:
    """`[tool.fastapi-lint.rules]` additions: blocking calls (with alternatives) and offloaders."""

    blocking: tuple[tuple[str, str], ...] = ()
    offload: tuple[str, ...] = ()
    #: `report-debug-switches`: follow calls behind diagnostic switches that are off by
    #: default too (see `switched_off`).
    debug_switches: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Extra:
        blocking = settings.rule_option("blocking-calls") or ()
        offload = settings.rule_option("offload-calls") or ()
        return cls(
            tuple((entry["call"], entry.get("use") or "") for entry in blocking),
            tuple(offload),
            bool(settings.rule_option(REPORT_DEBUG_SWITCHES, False)),
        )

    def blocking_entry(self, qual: str) -> Blocking | None:
        for call, use in self.blocking:
            if call == qual:
                return Blocking(CONFIGURED, call, f"`{use}`" if use else "")
        return None


NO_EXTRA = Extra()


def offloader(ref: Ref | None, extra: Extra = NO_EXTRA) -> Offloader | None:
    if ref is None or ref.kind not in ("external", "member", "function"):
        return None
    found = OFFLOADERS.get(ref.qual)
    if found is None and ref.qual in extra.offload:
        return Offloader(ref.qual, 0, False)
    return found


# -- classification -------------------------------------------------------------------------------
def _normalise_instance(qual: str) -> str:
    """`pathlib.Path.parent.with_suffix()` -> `pathlib.Path` (path-preserving members)."""
    changed = True
    while changed:
        changed = False
        for base in PATH_TYPES:
            if qual.startswith(base + "."):
                for suffix in _PATH_PRESERVING:
                    if qual.endswith(suffix) and qual[: -len(suffix)].startswith(base):
                        qual = qual[: -len(suffix)]
                        changed = True
                        break
    return qual


def classify(ref: Ref | None, extra: Extra = NO_EXTRA) -> Blocking | None:
    """Why calling `ref` blocks the event loop, or None. Project functions are not judged here
    (see `blocking_chain`), except when the user lists them in `blocking-calls`."""
    if ref is None:
        return None
    configured = extra.blocking_entry(ref.qual) if extra.blocking else None
    if configured is not None:
        return configured
    if ref.kind == "external":
        entry = FUNCTIONS.get(ref.qual)
        if entry is None:
            return None
        return Blocking(entry.category, ref.qual.removeprefix("builtins."), entry.use)
    if ref.kind != "member":
        return None
    qual = ref.qual
    # Longest instance name first: "sqlite3.connect.cursor().execute" is a cursor method.
    cut = len(qual)
    while True:
        cut = qual.rfind(".", 0, cut)
        if cut <= 0:
            return None
        instance, chain = _normalise_instance(qual[:cut]), qual[cut + 1 :]
        spec = TYPES.get(instance)
        if spec is None:
            continue
        if "." in chain and not spec.deep:
            return None
        method = chain.rpartition(".")[2]
        if method.endswith("()"):
            return None
        if spec.methods is not None and method not in spec.methods:
            return None
        if method in spec.exclude or method.startswith("_"):
            return None
        return Blocking(spec.category, f"{spec.label}.{method}", spec.use)


SOCKET_LABEL = "socket.socket"


def is_socket_call(reason: Blocking) -> bool:
    return reason.call.startswith(SOCKET_LABEL + ".")


def nonblocking_sockets(calls: Iterable[Sequence[Any]]) -> frozenset[str]:
    """Receivers (`sock`, `self.sock`) that a function's calls (summary records) set
    non-blocking with `.setblocking(False)` or `.settimeout(0)`: their `recv`/`send`/`connect`/
    `accept` return at once (or raise `BlockingIOError`) instead of waiting. A receiver also
    set blocking anywhere in the function (`setblocking(True)`, a non-zero or unknown timeout)
    is not one: which call runs last is not followed."""
    off: set[str] = set()
    on: set[str] = set()
    for func, _line, _col, args, kwargs in calls:
        name = dotted(func)
        if name is None or "." not in name:
            continue
        receiver, _, method = name.rpartition(".")
        if method not in ("setblocking", "settimeout"):
            continue
        value = view(args[0]) if len(args) == 1 and not kwargs else None
        literal = value.value if isinstance(value, Const) else True
        # `setblocking(False)`, `setblocking(0)`, `settimeout(0)`, `settimeout(0.0)`.
        (off if literal == 0 else on).add(receiver)
    return frozenset(off - on)


def blocks_with(reason: Blocking, positional: int, keywords: Iterable[str]) -> bool:
    """Whether a call with these arguments really blocks: a thread lock's `acquire` with an
    argument (`blocking=False` or a `timeout`) returns by itself, so only a bare `acquire()`
    waits indefinitely."""
    if reason.category == SLEEP and reason.call.endswith(".acquire"):
        return positional == 0 and not set(keywords) & {"blocking", "timeout"}
    return True


# -- project functions that block (the transitive rule) -------------------------------------------
#: Calls followed from the function called (an abstract method's implementations, or a
#: declared receiver's overrides, are no call of their own and do not count).
MAX_CHAIN = 6
_CACHED_DECORATORS = frozenset(
    {
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "cachetools.cached",
        "cachetools.func.lru_cache",
        "cachetools.func.ttl_cache",
        "cachetools.cachedmethod",
        # Async memoisers: the decorated coroutine's body runs once per argument tuple.
        "async_lru.alru_cache",
        "aiocache.cached",
        "aiocache.decorators.cached",
        "asyncache.cached",
        "asyncache.cachedmethod",
    }
)


@dataclass(frozen=True)
class Chain:
    """`names` from the first project function to the blocking call, e.g.
    ("fetch_profile", "requests.get"); `reason` is the blocking call at the end; `hops`, the
    calls from the first function's body down to the blocking one (file, line, callee), for a
    finding's chain."""

    names: tuple[str, ...]
    reason: Blocking
    hops: tuple[ChainHop, ...] = ()

    def text(self) -> str:
        return " → ".join(self.names)


def project_function(index: ProjectIndex, ref: Ref | None) -> str | None:
    """The qualified project function a call target is: a function, or a method reached
    through an instance of a project class (`ReportService().build`)."""
    if ref is None:
        return None
    if ref.kind == "function":
        return ref.qual
    if ref.kind == "member":
        owner, _, attr = ref.qual.rpartition(".")
        cls = index.class_(owner)
        if cls is not None and attr in cls.get("methods", ()):
            qual = f"{owner}.{attr}"
            return qual if index.function(qual) is not None else None
    return None


#: Class decorators whose generated `__init__` calls a hook of the class after setting the
#: fields: (decorator, hook) pairs.
_POST_INIT_HOOKS = {
    "dataclasses.dataclass": "__post_init__",
    "pydantic.dataclasses.dataclass": "__post_init__",
    "attr.s": "__attrs_post_init__",
    "attr.attrs": "__attrs_post_init__",
    "attr.define": "__attrs_post_init__",
    "attr.frozen": "__attrs_post_init__",
    "attr.mutable": "__attrs_post_init__",
    "attrs.define": "__attrs_post_init__",
    "attrs.frozen": "__attrs_post_init__",
    "attrs.mutable": "__attrs_post_init__",
}


def constructor_function(index: ProjectIndex, class_qual: str) -> str | None:
    """The project function that making an instance of the project class `class_qual` runs
    (`ServiceConnection(...)`): its `__init__`, through the class hierarchy, else the
    `__post_init__` (`__attrs_post_init__`) that a dataclass's (attrs class's) generated
    `__init__` calls. None when there is none in the project, or when the class is memoised
    (`@functools.cache` on the class: one instance per arguments)."""

    def compute() -> str | None:
        hook: str | None = None
        for cls in index.mro(class_qual):
            split = index.split_qualified(cls)
            fact = index.class_(cls)
            if split is None or fact is None:
                continue
            for decorator in fact.get("decorators") or ():
                ref = index.ref_of_value(
                    split[0], fact.get("parent") or "", decorator_callee(decorator)
                )
                if ref is None:
                    continue
                if ref.qual in _CACHED_DECORATORS and cls == class_qual:
                    return None
                hook = hook or _POST_INIT_HOOKS.get(ref.qual)
        for cls in index.mro(class_qual):
            if index.function(f"{cls}.__init__") is not None:
                return f"{cls}.__init__"
        if hook is not None:
            for cls in index.mro(class_qual):
                if index.function(f"{cls}.{hook}") is not None:
                    return f"{cls}.{hook}"
        return None

    return index.memoised(("fpi1xx-constructor", class_qual), compute)


def is_constructor(qual: str) -> bool:
    """Whether a function `constructor_function` gives is a constructor (for messages)."""
    return qual.rpartition(".")[2] in ("__init__", "__post_init__", "__attrs_post_init__")


def is_memoised(index: ProjectIndex, module: str, fact: dict[str, Any]) -> bool:
    """Decorated with a memoising decorator (`@lru_cache`, `@alru_cache async def`), or with a
    project decorator that applies one (`def cached(f): return lru_cache(maxsize=None)(f)`):
    its body runs once per arguments, not per call."""
    scope = fact.get("parent") or fact.get("class") or ""
    for decorator in fact["decorators"]:
        shape = decorator_callee(decorator)
        ref = index.ref_of_value(module, scope, shape)
        if ref is None:
            continue
        if ref.qual in _CACHED_DECORATORS:
            return True
        if ref.kind == "function" and _applies_cache(index, ref.qual):
            return True
    return False


def _applies_cache(index: ProjectIndex, qual: str) -> bool:
    """Whether the project function `qual` (or a function nested in it: a decorator factory)
    calls a memoising decorator."""
    split = index.split_qualified(qual)
    summary = index.module(split[0]) if split else None
    if split is None or summary is None:
        return False
    key = split[1]
    for inner_key, inner in summary["functions"].items():
        if inner_key != key and not inner_key.startswith(key + "."):
            continue
        for func, *_rest in inner["calls"]:
            ref = index.ref_of_value(split[0], inner_key, func)
            if ref is not None and ref.qual in _CACHED_DECORATORS:
                return True
    return False


#: Where a call is in a summary: (line, 0-based column, callee shape).
CallSite = tuple[int, int, Any]
# A node of the chain search: (qualified project function, how it is reached, the literal
# values its call site gives its parameters). "call" runs a function's body; "iter" iterates a
# sync generator, which runs the generator's body. The environment (`index.branches.Env`)
# rules out the calls under branches that call site cannot take.
Step = tuple[str, str, branches.Env]
#: How a step is reached when the receiver's type is only declared (`runtime: Runtime`): the
#: method or any project subclass's override of it may run (`SemanticModel.overrides`).
VIRTUAL = "virtual"


def virtual_call(
    index: ProjectIndex, module: str, scope: str, spelled: str | None, target: str
) -> bool:
    """`runtime.run_action(x)` where `runtime`'s type is declared (not constructed) and the
    concrete method has project overrides: any of them may run."""
    if spelled is None or "." not in spelled or not index.overrides(target):
        return False
    return index.declared_receiver(module, scope, spelled.rpartition(".")[0])


def method_shift(fact: dict[str, Any], receiver_is_class: bool) -> int:
    """How many parameters a call binds before its first positional argument: 1 for a method
    called on an instance (`self`) and for a class method (`cls`), else 0."""
    if not fact.get("class"):
        return 0
    names = {
        (dotted(d) or "").rpartition(".")[2] for d in fact.get("decorators") or () if dotted(d)
    }
    if "staticmethod" in names:
        return 0
    if "classmethod" in names:
        return 1
    return 0 if receiver_is_class else 1


#: Decorators that leave a call's arguments as they are.
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "abstractmethod", "override"})


def _passes_arguments_through(
    fact: dict[str, Any], index: ProjectIndex | None = None, qual: str | None = None
) -> bool:
    """Whether calling the function binds the call's arguments to its parameters: not so
    through a decorator, which may call it with other arguments (`@retry`, `@inject`), unless
    it is a project decorator that forwards them unchanged (`forwarding_decorator`)."""
    for decorator in fact.get("decorators") or ():
        name = dotted(decorator)
        if name is not None and name.rpartition(".")[2] in _PLAIN_DECORATORS:
            continue
        if index is None or qual is None or name is None:
            return False
        split = index.split_qualified(qual)
        scope = (fact.get("parent") or fact.get("class") or "") if split else ""
        ref = index.ref_of_value(split[0], scope, decorator) if split else None
        if ref is None or ref.kind != "function" or not forwarding_decorator(index, ref.qual):
            return False
    return True


def forwarding_decorator(index: ProjectIndex, qual: str) -> bool:
    """A project decorator that calls the function it wraps with the wrapper's own arguments,
    unchanged: `def noexcept(func): @wraps(func) def wrapper(*args, **kwargs): try: return
    func(*args, **kwargs) ...; return wrapper` (session 7, T2: aim's `@noexcept def
    __init__`). One parameter, the wrapper returned by name, the wrapper's parameters
    `*args, **kwargs` only, and one call of the parameter, with `*args` (and `**kwargs`)."""

    def compute() -> bool:
        fact = index.function(qual)
        split = index.split_qualified(qual)
        if fact is None or split is None or fact["async"] or len(fact["params"]) != 1:
            return False
        wrapped = fact["params"][0][0]
        returned = fact.get("returns_values") or []
        if len(returned) != 1 or not returned[0] or returned[0][0] != "n":
            return False
        wrapper = index.function(f"{qual}.{returned[0][1]}")
        if wrapper is None or [p[3] for p in wrapper["params"]] != ["*", "**"]:
            return False
        calls = [record for record in wrapper["calls"] if record[0] == ["n", wrapped]]
        spread = {(line, col) for line, col in wrapper.get("spread") or ()}
        if len(calls) != 1 or (calls[0][1], calls[0][2]) not in spread:
            return False
        if calls[0][3] != [["?"]] or calls[0][4]:
            return False  # one starred argument (`*args`), no keyword of its own
        summary = index.module(split[0])
        key = f"{split[1]}.{returned[0][1]}"
        record = summary["scopes"].get(key) if summary else None
        names = {p[0] for p in wrapper["params"]}
        if record is None or not set(record["bindings"]) <= names:
            return False  # a local the starred argument could be
        mapping = [
            shape
            for where, line, col, shape in summary.get("keyword_spreads") or ()
            if where == key and (line, col) == (calls[0][1], calls[0][2])
        ]
        kwargs_name = wrapper["params"][1][0]
        return mapping in ([], [["n", kwargs_name]])  # `**kwargs` itself, not a new dict

    return index.memoised(("fpi1xx-forwarding-decorator", qual), compute)


def _relevant_params(index: ProjectIndex, qual: str, fact: dict[str, Any]) -> frozenset[str]:
    """Parameters whose value can matter to a chain through `qual`: read by a guard of one of
    its calls, or passed on by name to a call. Only these travel in a step's environment, so
    call sites that differ in other arguments share one search."""

    def compute() -> frozenset[str]:
        params = {param[0] for param in fact["params"]}
        found: set[str] = set()
        for _line, _col, guards in fact.get("guards") or ():
            for cond, _branch in guards:
                found |= branches.names_in(cond)
        literals = fact.get("literals") or {}
        for name, guards in fact.get("rebinds") or ():
            # What decides whether a literal local keeps its literal (`if config_path is not
            # None: module_path = ...` for `module_path = None`).
            if name in literals:
                for cond, _branch in guards:
                    found |= branches.names_in(cond)
        for _func, _line, _col, args, kwargs in fact["calls"]:
            for arg in [*args, *kwargs.values()]:
                name = dotted(arg)
                if name in params:
                    found.add(name)
        return frozenset(found & params)

    return index.memoised(("fpi1xx-relevant", qual), compute)


def call_env(
    index: ProjectIndex,
    target: str,
    args: list[Any] | None,
    kwargs: dict[str, Any],
    *,
    receiver_is_class: bool = False,
    caller_env: dict[str, Any] | None = None,
    scope: tuple[str, str] | None = None,
) -> branches.Env:
    """The environment a call of the project function `target` with these argument shapes
    (None: not all known) gives it, limited to the parameters that can matter. `scope`:
    (module, scope key) where the call is made, where a bare `str(...)` can be known to be
    the builtin (a dict argument `{"id": str(user.id)}` then holds no None there)."""
    fact = index.function(target)
    if fact is None or not _passes_arguments_through(fact, index, target):
        return ()
    relevant = _relevant_params(index, target, fact)
    if not relevant:
        return ()
    shift = method_shift(fact, receiver_is_class)
    env = branches.bind(
        fact["params"],
        args,
        kwargs,
        shift=shift,
        caller_env=caller_env,
        builtin=builtin_here(index, scope),
    )
    return tuple(item for item in env if item[0] in relevant)


def builtin_here(index: ProjectIndex, scope: tuple[str, str] | None) -> Any:
    """`builtin(name)` for `branches.literal`: whether a bare name is the builtin where the
    call is made (no binding of the module or an enclosing scope shadows it)."""
    if scope is None:
        return branches.never_builtin
    module, key = scope

    def builtin(name: str) -> bool:
        return name in BUILTIN_NAMES and index.lookup_binding(module, key, name) is None

    return builtin


def known_at(
    fact: dict[str, Any], known: dict[str, Any], line: int, col: int, builtin: Any
) -> dict[str, Any]:
    """What a function running in `known` knows at its call at (line, col): without the
    containers it changes in place before ("mutates"), with the dict locals it passes there
    ("dict_locals", `branches.local_dict`)."""
    mutates = fact.get("mutates")
    if mutates and known:
        changed = [
            name
            for name, place in mutates.items()
            if name in known
            and isinstance(known[name], (branches.Collection, branches.NonNull))
            and tuple(place) <= (line, col)
        ]
        if changed:
            known = {k: v for k, v in known.items() if k not in changed}
    dict_locals = fact.get("dict_locals")
    if dict_locals:
        built = {}
        for name, record in dict_locals.items():
            value = branches.local_dict(record, line, col, known, builtin)
            if value is not None:
                built[name] = value
        if built:
            known = {**known, **built}
    return known


def scope_env(index: ProjectIndex, module: str, key: str, env: branches.Env) -> dict[str, Any]:
    """The part of a step's environment the function body can rely on: parameters it never
    rebinds (nor a nested function through `nonlocal`), and the literal locals whose later
    bindings the environment rules out."""
    if not env:
        return {}
    summary = index.module(module)
    if summary is None:
        return {}
    scopes = summary["scopes"]
    record = scopes.get(key)
    bindings = record["bindings"] if record else {}
    captured: set[str] = set()
    for inner, inner_record in scopes.items():
        if inner.startswith(key + "."):
            captured.update(inner_record.get("nonlocal") or ())
    kept = {
        name: value
        for name, _type, value in env
        if isinstance(view_binding(bindings.get(name)), ParamBinding) and name not in captured
    }
    # A parameter the body binds again only under branches this environment rules out
    # (`if name.startswith("os.environ/"): name = name[11:]` for `get_secret("API_KEY")`)
    # keeps the value the call gave it.
    fact = summary["functions"].get(key) or {}
    rebinds: dict[str, list[list[Any]]] = {}
    for name, guards in fact.get("rebinds") or ():
        rebinds.setdefault(name, []).append(guards)
    for name, _type, value in env:
        if name in kept or name in captured or name not in rebinds:
            continue
        trial = {**kept, name: value}
        if all(guards and branches.ruled_out(guards, trial) for guards in rebinds[name]):
            kept[name] = value
    # A local the body first binds to a literal (`module_path = None`) and binds again only
    # under branches this environment rules out (`if config_path is not None:` where the
    # call passes no config path) still holds the literal where its guards read it.
    for name, shape in (fact.get("literals") or {}).items():
        if name in kept or name in captured:
            continue
        if all(guards and branches.ruled_out(guards, kept) for guards in rebinds.get(name, ())):
            kept[name] = shape[1]
    return kept


# -- switches off by default (issue 14, R4) --------------------------------------------------------
#: Words that name a diagnostic environment variable (`PROMPTRACE_DIR`, `APP_DEBUG_DUMP`).
DIAGNOSTIC_VARIABLE = re.compile(r"DEBUG|TRACE|TRACING|DUMP|PROFIL|DIAGNOS|VERBOSE", re.IGNORECASE)
#: Helpers that read a boolean environment variable with a default: `env_bool("X", False)`.
ENV_BOOL_HELPERS = frozenset(
    {"env_bool", "bool_env", "getenv_bool", "get_bool_env", "get_env_bool", "env_flag"}
)
MAX_SWITCH_DEPTH = 3


def switched_off(
    index: ProjectIndex, module: str, key: str, switches: list[list[Any]], known: dict[str, Any]
) -> bool:
    """Whether a call under `switches` ([switch shape, branch] pairs, the summary's
    "switches") runs only when a diagnostic environment variable is set: one of them, read
    where no such variable is set, takes the other branch, and every variable it reads is
    named like a diagnostic one (`DIAGNOSTIC_VARIABLE`)."""
    for shape, branch in switches:
        found = switch_default(index, module, key, shape, known)
        if found is not None and found != branch:
            return True
    return False


def switch_default(
    index: ProjectIndex, module: str, key: str, shape: list[Any], known: dict[str, Any]
) -> bool | None:
    """The truth of a switch shape where no diagnostic environment variable is set; None when
    it is not known or reads a variable not named like a diagnostic one."""
    evaluator = branches.SwitchEval(known, _switch_call(index, module, key, 0))
    found = evaluator.truth(shape)
    if found is None or not evaluator.names:
        return None
    if all(DIAGNOSTIC_VARIABLE.search(name) for name in evaluator.names):
        return found
    return None


def _switch_call(index: ProjectIndex, module: str, key: str, depth: int) -> Any:
    """`call(dotted, args, keywords, evaluator)` for `branches.SwitchEval`: a project function
    whose body is one `return` (its "switch_return"), evaluated with the arguments bound;
    `env_bool("X", False)` gives its default."""

    def call(dotted_func: str, args: list[Any], keywords: dict[str, Any], evaluator: Any) -> Any:
        unknown = branches.UNKNOWN
        if dotted_func.rpartition(".")[2] in ENV_BOOL_HELPERS and args:
            default = args[1] if len(args) > 1 else keywords.get("default", unknown)
            if isinstance(args[0], str) and isinstance(default, bool):
                evaluator.names.append(args[0])
                return default
            return unknown
        if depth >= MAX_SWITCH_DEPTH:
            return unknown
        target = project_function(index, index.ref_of_value(module, key, ["n", dotted_func]))
        fact = index.function(target) if target else None
        split = index.split_qualified(target) if target else None
        if fact is None or split is None or fact.get("class") or fact["async"]:
            return unknown
        shape = fact.get("switch_return")
        if shape is None or not _passes_arguments_through(fact):
            return unknown
        env: dict[str, Any] = {}
        positional = [p for p in fact["params"] if p[3] == "pos"]
        if len(args) > len(positional):
            return unknown
        for param, value in zip(positional, args, strict=False):
            if value is not unknown:
                env[param[0]] = value
        passed = {p[0] for p in positional[: len(args)]} | set(keywords)
        for name, value in keywords.items():
            if value is not unknown:
                env[name] = value
        for name, _annotation, default, kind in fact["params"]:
            if name in passed or kind in ("*", "**") or default is None:
                continue
            if default[0] == "const":
                env[name] = default[1]
        inner = branches.SwitchEval(env, _switch_call(index, split[0], split[1], depth + 1))
        inner.names = evaluator.names  # the variables read count for the outer switch
        return inner.value(shape)

    return call


# -- developer modes off by default (issue 14 session 6, S12) ----------------------------------
#: Words that name a developer or diagnostic mode (`dev_mode`, `vibe_mode`, `debug`,
#: `enable_playground`, `hot_reload`): a word of the flag's name, split at `_` and case.
DEVELOPER_FLAG_WORDS = frozenset(
    {"dev", "devel", "develop", "developer", "development", "debug", "debugging", "mode"}
    | {"test", "testing", "demo", "sandbox", "playground", "reload", "watch"}
    | {"trace", "tracing", "dump", "profile", "profiling", "diagnostic", "diagnostics"}
    | {"verbose"}
)
MAX_FLAG_SHAPE_DEPTH = 4


def _flag_words(name: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return {word for word in spaced.lower().split("_") if word}


def developer_guard(index: ProjectIndex, module: str, key: str) -> str | None:
    """The flag (`blocks.vibe_mode`) of a function whose body starts with `if not a.flag:
    raise ...` (the summary's "guard_raise") when that flag is a developer mode that is off by
    default: its name has a word of `DEVELOPER_FLAG_WORDS`, `a` is an object of a project
    class that the function does not bind itself (a module global, an enclosing function's
    variable: made before any request, not the request's own user), and that class (or a base) declares the attribute with a false default
    (`vibe_mode: bool = False`, a settings field `Field(default=False)`) or its `__init__`
    sets it so (`self.vibe_mode = bool(os.getenv("APP_VIBE_MODE", ""))`), and nowhere in the
    class to anything but `True` (a method that switches it on). Nothing after such a guard runs in a server started with its
    defaults; None for any other function."""
    summary = index.module(module)
    fact = summary["functions"].get(key) if summary else None
    flag = fact.get("guard_raise") if fact else None
    if not flag:
        return None
    owner_path, _, attr = flag.rpartition(".")
    if not (_flag_words(attr) & DEVELOPER_FLAG_WORDS):
        return None
    bound = index.lookup_binding(module, key, owner_path.partition(".")[0])
    if bound is None or bound[1] == key:
        # A parameter or a local (`user.admin_mode` of the request's user): per request.
        return None
    owner = index.ref_of_value(module, key, ["n", owner_path])
    if owner is None or owner.kind != "instance" or index.class_(owner.qual) is None:
        return None
    defaults: list[bool] = []
    for cls in index.mro(owner.qual):
        split = index.split_qualified(cls)
        cls_summary = index.module(split[0]) if split else None
        cls_fact = cls_summary["classes"].get(split[1]) if cls_summary and split else None
        if cls_fact is None:
            continue
        for name, _annotation, default, *_rest in cls_fact.get("fields") or ():
            if name == attr and default is not None:
                defaults.append(_falsy_default(default))
        for method in cls_fact["methods"]:
            method_fact = cls_summary["functions"].get(f"{split[1]}.{method}") or {}
            for name, value, _annotation in method_fact.get("self_assigns") or ():
                if name != attr:
                    continue
                if method in ("__init__", "__post_init__"):
                    defaults.append(_falsy_default(value))
                elif value != ["const", True]:
                    return None  # another method sets it from something we do not know
                # (another method may switch it on: `self.dev_mode = True`)
    return flag if defaults and all(defaults) else None


def _falsy_default(shape: Any, depth: int = 0) -> bool:
    """Whether a value shape is false where no environment variable is set: a false literal,
    `bool(x)` of such a value, `os.getenv("X")`/`os.environ.get("X", "")` (no default, or a
    false one), `env_bool("X", False)`, a field `Field(False)`/`Field(default=False)`."""
    if not shape or depth > MAX_FLAG_SHAPE_DEPTH:
        return False
    if shape[0] == "const":
        return not shape[1]
    if shape[0] != "call" or not shape[1] or shape[1][0] != "n":
        return False
    func, args, kwargs = shape[1][1], shape[2], shape[3]
    last = func.rpartition(".")[2]
    if func == "bool" and len(args) == 1 and not kwargs:
        return _falsy_default(args[0], depth + 1)
    if func in branches.ENV_READS and args and args[0][0] == "const" and not kwargs:
        return len(args) == 1 or (len(args) == 2 and _falsy_default(args[1], depth + 1))
    if last in ENV_BOOL_HELPERS and len(args) == 2:
        return _falsy_default(args[1], depth + 1)
    if last == "Field":
        default = kwargs.get("default") or (args[0] if args else None)
        return default is not None and _falsy_default(default, depth + 1)
    return False


# -- what every caller passes (issue 14 session 6, S9 and S3) ----------------------------------
#: Bases that make a class an enumeration: its class-level names are its members.
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"})
#: Reach kinds of callers whose calls serve no request (index.reach).
_QUIET_CALLERS = frozenset({"test", "script", "startup", "unused", "shutdown"})


def caller_environments(
    index: ProjectIndex, qual: str, unserved: bool = False
) -> list[dict[str, Any]] | None:
    """What the project function `qual` knows in each call the project makes of it, when
    those calls are all its uses (`index.reach.known_callers`): one environment per call
    (its literal arguments, enum members included, and the defaults it leaves, as the body
    sees them), without the calls made by code that serves no request (tests, scripts,
    startup; kept with `unserved`). None when a use is not such a call, a call cannot be
    read, or no call is left."""
    return index.memoised(
        ("fpi1xx-caller-envs", qual, unserved),
        lambda: _caller_environments(index, qual, unserved),
    )


def _caller_environments(index: ProjectIndex, qual: str, unserved: bool) -> list | None:
    sites = index.project_fact("known_callers").get(qual)
    split = index.split_qualified(qual)
    if not sites or split is None:
        return None
    envs: list[dict[str, Any]] = []
    for mod, caller_key, line, col in sites:
        if not unserved:
            if not caller_key:
                continue  # a module body runs at import, before anything is served
            reached = index.reach(mod, caller_key)
            # A method is "script" when every use *we see* comes from a script; a use we do not
            # see may serve (pyspur's workflow nodes: a registry calls `node.run()`, the
            # self-test under `__main__` is the only call in sight), and then its arguments
            # are not literals we know: its calls still count.
            unseen_use = reached is not None and reached[0] == "script"
            if (
                reached is not None
                and reached[0] in _QUIET_CALLERS
                and not (unseen_use and _is_method(index, mod, caller_key))
            ):
                continue
        caller = index.module(mod)
        fact = caller["functions"].get(caller_key) if caller and caller_key else None
        calls = fact["calls"] if fact else (caller or {}).get("module_calls") or []
        records = [
            record
            for record in calls
            if record[1] == line
            and record[2] == col
            and qual in project_callable(index, index.ref_of_value(mod, caller_key, record[0]))
        ]
        if len(records) != 1:
            return None
        func, _line, _col, args, kwargs = records[0]
        enums = enum_members(index, mod, caller_key, [*(args or ()), *kwargs.values()])
        env = call_env(
            index,
            qual,
            args,
            kwargs,
            receiver_is_class=receiver_is_class_of(index, mod, caller_key, func),
            caller_env=enums,
            scope=(mod, caller_key),
        )
        envs.append(scope_env(index, split[0], split[1], env))
    return envs or None


def _is_method(index: ProjectIndex, module: str, key: str) -> bool:
    fact = index.function(index.qualified_function(module, key))
    return bool(fact and fact.get("class"))


def enum_members(
    index: ProjectIndex, module: str, key: str, shapes: Iterable[Any]
) -> dict[str, branches.EnumMember]:
    """The dotted names among `shapes` (`["n", "State.STOPPED"]`) that are members of a
    project enumeration where they are written, by the name written."""
    found: dict[str, branches.EnumMember] = {}
    for shape in shapes:
        name = shape[1] if shape and shape[0] == "n" and "." in shape[1] else None
        if name is None or name in found:
            continue
        owner_path, _, member = name.rpartition(".")
        owner = index.ref_of_value(module, key, name_shape(owner_path))
        if owner is None or owner.kind != "class" or not _is_enum(index, owner.qual):
            continue
        split = index.split_qualified(owner.qual)
        summary = index.module(split[0]) if split else None
        record = summary["scopes"].get(split[1]) if summary and split else None
        if (
            record is not None
            and record["kind"] == "class"
            and member in record["bindings"]
            and not member.startswith("_")
        ):
            found[name] = branches.EnumMember(f"{owner.qual}.{member}")
    return found


def _is_enum(index: ProjectIndex, class_qual: str) -> bool:
    for cls in index.mro(class_qual):
        fact = index.class_(cls)
        split = index.split_qualified(cls)
        if fact is None or split is None:
            continue
        for base_shape in fact["bases"]:
            base = index.ref_of_value(split[0], fact.get("parent") or "", base_shape)
            if base is not None and base.qual in ENUM_BASES:
                return True
    return False


# -- the class `self` is (issue 14 session 6, S10) ----------------------------------------------
#: The environment entry that names the class of `self` in a step: set where a constructor
#: call `Button(...)` runs an inherited `__init__`, kept through its `self.m()` calls.
RECEIVER = "<self>"


def with_receiver(env: branches.Env, class_qual: str) -> branches.Env:
    items = [item for item in env if item[0] != RECEIVER]
    return tuple(sorted([*items, (RECEIVER, "str", class_qual)], key=lambda item: item[0]))


def receiver_of(env: branches.Env) -> str | None:
    for name, _type, value in env:
        if name == RECEIVER:
            return value
    return None


def _is_self_call(fact: dict[str, Any], func: Any) -> bool:
    """`self.m(...)` in a method whose first parameter is `self` (not a static or class
    method)."""
    if not fact.get("class") or not fact["params"] or method_shift(fact, False) != 1:
        return False
    names = {(dotted(d) or "").rpartition(".")[2] for d in fact.get("decorators") or ()}
    if "classmethod" in names:
        return False
    head, _, attr = (dotted(func) or "").partition(".")
    return head == fact["params"][0][0] and bool(attr) and "." not in attr


def _is_super_call(func: Any) -> bool:
    """`super().m(...)` (the zero-argument form)."""
    return (
        isinstance(func, list)
        and len(func) == 3
        and func[0] == "attr"
        and isinstance(func[1], list)
        and func[1][:3] == ["call", ["n", "super"], []]
    )


def _method_on(index: ProjectIndex, class_qual: str, name: str) -> str | None:
    """The project function `name` resolves to on an instance of `class_qual` (its MRO)."""
    for cls in index.mro(class_qual):
        if index.function(f"{cls}.{name}") is not None:
            return f"{cls}.{name}"
    return None


def receiver_is_class_of(index: ProjectIndex, module: str, key: str, func: Any) -> bool:
    name = dotted(func)
    if name is None or "." not in name:
        return False
    ref = index.ref_of_value(module, key, name_shape(name.rpartition(".")[0]))
    return ref is not None and ref.kind == "class"


def _direct(
    index: ProjectIndex, step: Step, extra: Extra
) -> tuple[Blocking | None, CallSite | None, list[tuple[Step, CallSite | None]]]:
    """A sync project function's first blocking call and where it is, and the project
    functions it runs with where each call is (None: an implementation of an abstract method,
    reached through the call of that method)."""
    qual, how, env = step
    split = index.split_qualified(qual)
    fact = index.function(qual)
    if split is None or fact is None:
        return None, None, []
    if fact["async"] or is_memoised(index, split[0], fact):
        # Calling an async def runs nothing yet; a cached function blocks once.
        return None, None, []
    if fact["generator"] and how != "iter":
        return None, None, []  # calling a generator runs nothing until it is iterated
    if how == VIRTUAL:
        # The receiver may be of any subclass: the method itself or one of its overrides runs.
        variants = [
            ((variant, "call", env if variant == qual else ()), None)
            for variant in index.overrides(qual)
        ]
        return None, None, variants
    # With the receiver's class known (`MemoryRuntime()` running an inherited `self.connect()`),
    # the method found on it is the one that runs, even an empty default of the base.
    implementations = index.implementations(qual) if receiver_of(env) is None else []
    if implementations:
        # An abstract or protocol method: whichever implementation the receiver is runs.
        return None, None, [((impl, how, ()), None) for impl in implementations]
    module, key = split
    self_class = receiver_of(env)
    iterated = {tuple(pos) for pos in fact.get("iterated") or ()}
    callees: list[tuple[Step, CallSite | None]] = []
    once = {(line, col) for line, col in fact.get("once") or ()}
    quiet_sockets: frozenset[str] | None = None
    entry = scope_env(index, module, key, env)
    guards = {(g[0], g[1]): g[2] for g in fact.get("guards") or ()} if entry else {}
    spread = {(line, col) for line, col in fact.get("spread") or ()}
    constants: dict[str, branches.Collection] | None = None  # read at the first guard
    builtin = builtin_here(index, (module, key))
    containers = bool(fact.get("mutates") and entry) or bool(fact.get("dict_locals"))
    switches = (
        {} if extra.debug_switches else {(g[0], g[1]): g[2] for g in fact.get("switches") or ()}
    )
    for func, line, col, args, kwargs in fact["calls"]:
        if (line, col) in once:
            continue  # a lazy initialiser: blocks once per process, not per request
        known = known_at(fact, entry, line, col, builtin) if containers else entry
        switch = switches.get((line, col))
        if switch and switched_off(index, module, key, switch, known):
            continue  # behind a diagnostic switch that is off by default
        guard = guards.get((line, col))
        if guard:
            if constants is None:
                constants = branches.module_constants(index, module, key)
            if branches.ruled_out(guard, {**constants, **known} if constants else known):
                continue  # under a branch this call site's literal arguments rule out
        ref = index.ref_of_value(module, key, func)
        if offloader(ref, extra) is not None:
            continue
        reason = classify(ref, extra)
        if reason is not None and is_socket_call(reason) and dotted(func) is not None:
            if quiet_sockets is None:
                quiet_sockets = nonblocking_sockets(fact["calls"])
            if (dotted(func) or "").rpartition(".")[0] in quiet_sockets:
                continue  # `sock.setblocking(False)`: the call does not wait
        if reason is not None and blocks_with(reason, len(args), kwargs):
            return reason, (line, col, func), []
        if reason is not None:
            continue  # `lock.acquire(timeout=1)`: returns by itself
        target = project_function(index, ref)
        constructor = False
        receiver: str | None = None  # the class `self` is in the callee, when known
        if target is None and ref is not None and ref.kind == "class":
            # `Connection(...)` runs the class's `__init__` (or a dataclass's `__post_init__`).
            target = constructor_function(index, ref.qual)
            constructor = target is not None
            receiver = ref.qual
        elif self_class is not None and target is not None and _is_self_call(fact, func):
            # `self.postprocess()` in the `__init__` a `Button(...)` runs: Button's own.
            target = _method_on(index, self_class, (dotted(func) or "").rpartition(".")[2])
            target = target or project_function(index, ref)
            receiver = self_class
        elif self_class is not None and target is not None and _is_super_call(func):
            receiver = self_class  # `super().__init__(...)`: still the same object
        if target is None or target == qual:
            continue
        target_fact = index.function(target)
        hook = constructor and not target.endswith(".__init__")
        target_env = call_env(
            index,
            target,
            None if (line, col) in spread or hook else args,
            kwargs,
            receiver_is_class=not constructor and receiver_is_class_of(index, module, key, func),
            caller_env=known,
            scope=(module, key),
        )
        if receiver is not None:
            target_env = with_receiver(target_env, receiver)
        if target_fact is not None and target_fact.get("generator"):
            if (line, col) in iterated:
                callees.append(((target, "iter", target_env), (line, col, func)))
            continue
        how_called = "call"
        if (
            not constructor
            and receiver is None
            and virtual_call(index, module, key, dotted(func), target)
        ):
            how_called = VIRTUAL
        callees.append(((target, how_called, target_env), (line, col, func)))
    for dotted_read, line, col in fact.get("reads") or ():
        # `info.is_wasm`: reading a property runs its getter (the semantic model's answer).
        base, _, attr = dotted_read.rpartition(".")
        getter = index.property_function(index.ref_of_value(module, key, ["n", base]), attr)
        if getter is not None and getter != qual and (line, col) not in once:
            callees.append(((getter, "call", ()), (line, col, ["n", dotted_read])))
    return None, None, callees


def blocking_chain(
    index: ProjectIndex,
    qual: str,
    extra: Extra = NO_EXTRA,
    *,
    iterated: bool = False,
    env: branches.Env = (),
    virtual: bool = False,
) -> Chain | None:
    """Shortest chain by which calling the sync project function `qual` (iterating it, for a
    generator) blocks, found breadth-first (bounded depth, recursion-safe); None when nothing
    known blocks. `env`: the literal arguments of the call (`call_env`); calls under branches
    they rule out are not followed, here and down the chain."""
    step: Step = (qual, "iter" if iterated else VIRTUAL if virtual else "call", env)
    return index.memoised(("fpi1xx-chain", step, extra), lambda: _search_chain(index, step, extra))


def _direct_memo(index: ProjectIndex, step: Step, extra: Extra) -> tuple:
    found = index.memoised(("fpi1xx-direct", step, extra), lambda: _direct(index, step, extra))
    return found or (None, None, [])


def site_hop(index: ProjectIndex, qual: str, site: CallSite) -> ChainHop | None:
    """The chain hop of a call made in the body of the project function `qual`."""
    split = index.split_qualified(qual)
    if split is None:
        return None
    line, col, func = site
    return index.call_hop(split[0], line, col, func)


def _short(index: ProjectIndex, qual: str) -> str:
    split = index.split_qualified(qual)
    return split[1] if split else qual


def _search_chain(index: ProjectIndex, start: Step, extra: Extra) -> Chain | None:
    # callee -> (caller, where the caller calls it)
    parents: dict[Step, tuple[Step, CallSite | None] | None] = {start: None}
    frontier = [start]
    for _ in range(MAX_CHAIN):
        next_frontier: list[Step] = []
        position = 0
        while position < len(frontier):
            current = frontier[position]
            position += 1
            reason, site, callees = _direct_memo(index, current, extra)
            if reason is not None:
                names = [reason.call]
                hops = [site_hop(index, current[0], site)] if site is not None else []
                node, child = current, None
                while True:
                    parent = parents[node]
                    if not (node[1] == VIRTUAL and child is not None and child[0] == node[0]):
                        # (The method itself reached through its declared type shows once.)
                        names.append(_label(index, node, parent[0] if parent else None))
                    child = node
                    if parent is None:
                        break
                    node, call_site = parent
                    if call_site is not None:  # an implementation is reached by no call
                        hops.append(site_hop(index, node[0], call_site))
                # A chain with a file missing would mislead: then none is given.
                known = tuple(hop for hop in reversed(hops) if hop is not None)
                return Chain(
                    tuple(reversed(names)), reason, known if len(known) == len(hops) else ()
                )
            for callee, call_site in callees:
                if callee not in parents:
                    parents[callee] = (current, call_site)
                    # An implementation (or override) of the method called is reached by no
                    # call of its own: it is searched at the same depth, not one call deeper.
                    (frontier if call_site is None else next_frontier).append(callee)
        frontier = next_frontier
        if not frontier:
            break
    return None


def _label(index: ProjectIndex, step: Step, parent: Step | None) -> str:
    """How a step shows in the chain: `UserRepo.get`, or for an implementation reached through
    an abstract method `SqlUserRepo.get (one of 2 implementations)`."""
    name = _short(index, step[0])
    if parent is not None:
        count = len(
            index.overrides(parent[0]) if parent[1] == VIRTUAL else index.implementations(parent[0])
        )
        if count > 1:
            return f"{name} (one of {count} implementations)"
    return name
