"""Passwords are stored only as slow salted argon2 hashes; new ones must not be common."""

from __future__ import annotations

import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 128  # argon2 takes any length; a cap keeps a request from hashing megabytes
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# Words at the heart of the passwords most often tried first (English, pinyin, the
# trade's own words); a password is common when, stripped of the digits and symbols
# around it and read without look-alike digits, it is one of these or a keyboard run.
_COMMON_TEXT = """
password passwd pass pwd admin administrator root user login welcome hello iloveyou
love letmein monkey dragon master shadow sunshine princess football baseball soccer
superman batman trustno freedom whatever qwerty qwert asdf asdfgh zxcv zxcvbn abc abcd
abcde abcdef test tester guest demo default secret changeme system manager office
company insurance baoxian pingan picc renbao taiping woaini wohenni aini nihao zhongguo
china beijing shanghai guangzhou shenzhen huawei xiaomi wang zhang li liu chen yang
huang zhao zhou wu xu sun ma zhu hu guo he lin luo
"""
COMMON_WORDS = frozenset(_COMMON_TEXT.split())
KEYBOARD_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm",
                 "1qaz2wsx3edc4rfv", "qazwsxedcrfv", "01234567890", "9876543210")
_LOOK_ALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                              "@": "a", "$": "s", "!": "i"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` from now on; returns the one it replaces. A
    stored hash carries its own parameters, so every hash still verifies. (The test
    suite signs in thousands of times on cheap parameters.)"""
    global _hasher
    previous, _hasher = _hasher, hasher
    _dummy_hash.cache_clear()
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_nothing(password: str) -> bool:
    """Costs what ``verify_password`` costs, so an unknown user answers as slowly as a
    known one (the time must not tell which 员工代码 exist). Always False."""
    verify_password(_dummy_hash(), password)
    return False


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def _is_run(text: str) -> bool:
    return len(text) >= 3 and any(text in run or text[::-1] in run for run in KEYBOARD_RUNS)


def is_common(password: str, username: str = "") -> bool:
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    plain = re.sub(r"[\W_]+", "", core.translate(_LOOK_ALIKES))
    if len(set(lowered)) < 4 or _is_run(re.sub(r"[\W_]+", "", lowered)):
        return True
    if username and username.lower() in lowered:
        return True
    return plain in COMMON_WORDS or _is_run(plain) or len(set(plain)) <= 2


def password_problem(password: str, username: str = "") -> str | None:
    """A Chinese message when a new password is too weak, else None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 位"
    if password.isdigit() or password.isalpha():
        return "密码须同时包含字母和数字"
    if is_common(password, username):
        return "密码过于常见或简单 (如 password1、abc12345、qwer1234), 请换一个不易猜到的密码"
    return None
