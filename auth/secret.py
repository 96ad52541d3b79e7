"""The key that signs session cookies: explicit (``SECRET_KEY``), or made once at random
and kept beside the users store, readable by its owner only, so that every worker of
the server (and every restart) signs with the same key and nobody else knows it."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from data.settings import Settings

MIN_LENGTH = 32
FILE_NAME = "session-secret.key"
HOW_TO = "可用 python -c 'import secrets; print(secrets.token_urlsafe(48))' 生成"


def secret_path(settings: Settings) -> Path:
    """Beside the SQLite users store; with a database server (``DATABASE_URL``), beside
    the analytical store (several machines then need an explicit ``SECRET_KEY``)."""
    db = settings.users_db
    if isinstance(db, Path) or "://" not in db:
        return Path(db).with_name(FILE_NAME)
    return (settings.users_path or settings.store_path).with_name(FILE_NAME)


def session_secret(settings: Settings) -> str:
    key = settings.secret_key
    if key is not None:
        if len(key.strip()) < MIN_LENGTH:
            raise RuntimeError(f"SECRET_KEY 过短或为空: 至少 {MIN_LENGTH} 个字符 ({HOW_TO})")
        return key
    if settings.production:
        raise RuntimeError(f"生产模式 (PRODUCTION=1) 下必须设置 SECRET_KEY 环境变量 ({HOW_TO})")
    return _stored_secret(secret_path(settings))


def _stored_secret(path: Path) -> str:
    if not path.exists():
        _create(path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise RuntimeError(f"密钥文件 {path} 内容过短; 删除它后重启即重新生成")
    return key


def _create(path: Path) -> None:
    """Written under a private name, then linked into place: a second worker starting at
    the same moment finds either no file or the whole one, and keeps the first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
