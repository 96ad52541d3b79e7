"""Sign-in and session attacks against a running server (``bin/serve``, several workers):

    .venv/bin/python bench/bench_signin_attack.py http://127.0.0.1:8050 [victim-user]

Prints: whether a copied cookie still works after 退出系统 (status of the API and of a
page), how many of 20 simultaneous wrong passwords were evaluated (401) or refused
(429), whether a cross-site sign-in or sign-out is refused, whether a cookie forged with
the old public key gets in, and which responses lack a security header.
The victim user (default finance01) is locked for the lock period afterwards.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter

import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

PASSWORD = "demo-pass-2026"
HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
           "Content-Security-Policy")


def sign_in(base: str, user: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{base}/login", data={"username": user, "password": PASSWORD},
               headers={"Origin": base}, allow_redirects=False)
    assert r.status_code == 302, (user, r.status_code)
    return s


def copied_cookie(base: str) -> None:
    victim = sign_in(base, "gm")
    thief = requests.Session()
    thief.cookies.update(victim.cookies)
    before = [thief.get(f"{base}/api/reports").status_code for _ in range(6)]
    victim.post(f"{base}/logout", headers={"Origin": base}, allow_redirects=False)
    api = [thief.get(f"{base}/api/reports").status_code for _ in range(6)]
    page = thief.get(f"{base}/reports/pnl-auto-cube", allow_redirects=False)
    print(f"copied cookie before sign-out: {Counter(before)}; after: API {Counter(api)}, "
          f"page {page.status_code} → {page.headers.get('Location', '')[:20]}")


def concurrent_guesses(base: str, user: str, n: int = 20) -> None:
    barrier, codes = threading.Barrier(n), []

    def guess(i: int) -> None:
        barrier.wait()
        r = requests.post(f"{base}/login", data={"username": user, "password": f"wrong-{i}"},
                          headers={"Origin": base}, allow_redirects=False)
        codes.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c = Counter(codes)
    print(f"{n} simultaneous wrong passwords for {user}: evaluated (401) {c[401]}, "
          f"refused (429) {c[429]}, other {sum(v for k, v in c.items() if k not in (401, 429))}")


def cross_site(base: str) -> None:
    evil = {"Origin": "http://evil.example"}
    r = requests.post(f"{base}/login", data={"username": "gm", "password": PASSWORD},
                      headers=evil, allow_redirects=False)
    s = sign_in(base, "branch01")
    link = s.get(f"{base}/logout", allow_redirects=False).status_code
    still = s.get(f"{base}/api/reports").status_code
    forged_out = s.post(f"{base}/logout", headers=evil, allow_redirects=False).status_code
    dash = s.post(f"{base}/_dash-update-component", json={}, headers=evil).status_code
    print(f"cross-site sign-in {r.status_code}; GET /logout {link} (API after it {still}); "
          f"cross-site POST /logout {forged_out}; cross-site Dash callback {dash}")


def forged(base: str) -> None:
    app = Flask("forger")
    app.secret_key = "dev-secret-change-me"
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert signer is not None
    codes = Counter(requests.get(f"{base}/export/admin-audit.csv", cookies={
        "session": signer.dumps({"_user_id": str(i), "_fresh": True})}).status_code
        for i in range(1, 21))
    print(f"cookies forged with the old public key for user ids 1-20: audit CSV {codes}")


def headers(base: str) -> None:
    s = sign_in(base, "admin")
    page = s.get(f"{base}/").text
    script = next(p.split('"')[0] for p in page.split('src="')[1:] if "component-suites" in p)
    probes = {
        "GET /login": lambda: requests.get(f"{base}/login"),
        "POST /login (bad)": lambda: requests.post(f"{base}/login", data={}),
        "GET / anonymous": lambda: requests.get(f"{base}/", allow_redirects=False),
        "GET /": lambda: s.get(f"{base}/"),
        "GET report page": lambda: s.get(f"{base}/reports/pnl-auto-cube"),
        "GET admin page": lambda: s.get(f"{base}/admin/admin-users"),
        "GET /api/reports": lambda: s.get(f"{base}/api/reports"),
        "GET /api anonymous": lambda: requests.get(f"{base}/api/reports"),
        "GET export csv": lambda: s.get(f"{base}/export/pnl-auto-cube.csv?level=summary"),
        "GET audit csv": lambda: s.get(f"{base}/export/admin-audit.csv"),
        "GET /_dash-layout": lambda: s.get(f"{base}/_dash-layout"),
        "POST callback (bad)": lambda: s.post(f"{base}/_dash-update-component", json={}),
        "GET 404": lambda: s.get(f"{base}/no-such-page"),
        "GET script": lambda: s.get(f"{base}{script}"),
    }
    missing = []
    for name, probe in probes.items():
        r = probe()
        lacks = [h for h in HEADERS if h not in r.headers]
        store = r.headers.get("Cache-Control", "")
        if lacks or ("no-store" not in store and name != "GET script"):
            missing.append(f"{name} ({r.status_code}): lacks {lacks} cache={store!r}")
    print(f"{len(probes)} kinds of response checked; without a header: "
          f"{missing or 'none'} (scripts stay cacheable)")


def main() -> None:
    base = sys.argv[1].rstrip("/")
    victim = sys.argv[2] if len(sys.argv) > 2 else "finance01"
    copied_cookie(base)
    cross_site(base)
    forged(base)
    headers(base)
    concurrent_guesses(base, victim)


if __name__ == "__main__":
    main()
