"""FPI106 blocking-client-call-in-async: sync database and network clients inside `async def`."""

from __future__ import annotations

from .base import CategoryRule
from .catalog import CLIENT


class BlockingClientCallInAsync(CategoryRule):
    code = "FPI106"
    name = "blocking-client-call-in-async"
    category = CLIENT
    message = "A sync database or network client blocks the event loop inside `async def`"
    summary = "sync database/network client (`sqlite3`, `psycopg2`, `redis`, `pymongo`, `boto3`, `smtplib`, `socket`, `input()`, ...) inside `async def`"
    docs = """
## What it does
Checks for calls into synchronous database and network clients in the body of an `async def`;
each message names the async alternative:

| Client | Calls | Use instead |
| --- | --- | --- |
| `sqlite3` | `connect()`, connection and cursor `execute`/`commit`/`fetch*` | `aiosqlite` |
| `psycopg2`, `psycopg` (sync) | `connect()`, connection and cursor methods | `asyncpg`, `psycopg.AsyncConnection` |
| `pymysql`, `MySQLdb`, `mysql.connector` | `connect()`, connection and cursor methods | `aiomysql`, `asyncmy` |
| SQLAlchemy sync engine | `engine.connect()`, `engine.begin()`, and `execute`, `scalar(s)`, `commit` on the connection | `create_async_engine()` |
| `redis.Redis` (sync) | every command, `pipeline().execute()` | `redis.asyncio.Redis` |
| `pymongo.MongoClient` | collection and database operations | `pymongo.AsyncMongoClient`, `motor` |
| `boto3.client(...)` | every API call (not `generate_presigned_url`) | `aioboto3`, `aiobotocore` |
| `elasticsearch.Elasticsearch` | every API call | `elasticsearch.AsyncElasticsearch` |
| SQLAlchemy `MetaData` | `create_all`, `drop_all`, `reflect` (also `Base.metadata` of a declarative base, `SQLModel.metadata`) | `await conn.run_sync(metadata.create_all)` |
| `smtplib`, `ftplib` | connecting constructors and commands | `aiosmtplib`, `aioftp` |
| `poplib`, `imaplib`, `nntplib` | connecting constructors and commands | `aioimaplib`, a thread |
| `socket` | `create_connection`, `getaddrinfo`, `getnameinfo`, `gethostbyname`, socket `connect`/`send*`/`recv*`/`accept` | `asyncio.open_connection()`, `loop.getaddrinfo()`, `loop.getnameinfo()` |
| `input()` | reading the console | nothing in a server; `asyncio.to_thread(input)` at most |

Clients are recognised through their constructor (`redis.Redis(...)`, `sqlite3.connect(...)`),
assignments, `with` targets and annotated parameters, and through the project's semantic model:
a project function that returns one (`def get_s3(): return boto3.client("s3")`), `self.client`
assigned in any method, a `Depends(...)` value, `request.app.state.client` assigned at startup; the async clients (`redis.asyncio.Redis`,
`motor`, `AsyncElasticsearch`) are different names and never match. A socket that the same
function sets non-blocking (`sock.setblocking(False)`, `sock.settimeout(0)`) is not reported:
its `recv`/`send`/`connect`/`accept` return at once or raise `BlockingIOError`, and the
waiting is done with `await loop.sock_*()`. A socket set blocking again in that function
(`setblocking(True)`, a non-zero or unknown timeout), or set non-blocking in another function
(`__init__`), stays reported.

## Why is this bad?
Every one of these calls waits for the network or the disk on the event loop thread, so every
other request served by the process waits too.

## Example
```python
import redis
from fastapi import FastAPI

app = FastAPI()
cache = redis.Redis()


@app.get("/hits")
async def hits():
    return {"hits": cache.incr("hits")}
```

## Use instead
```python
import redis.asyncio
from fastapi import FastAPI

app = FastAPI()
cache = redis.asyncio.Redis()


@app.get("/hits")
async def hits():
    return {"hits": await cache.incr("hits")}
```

## Fix safety
No fix is offered: the async clients are different libraries.
"""
