"""What the benchmark's scenarios need from a prepared database, on either
backend: random tracking codes and matter ids, a category and a town, and a
cursor half-way down the inbox. SQLite through Python's sqlite3, PostgreSQL
through psql (installed with the server binaries).

    python3 bench/sample.py DATABASE_URL WORKDIR      writes the files
    python3 bench/sample.py DATABASE_URL count        prints the matters
    python3 bench/sample.py DATABASE_URL size         PostgreSQL's size
"""
import calendar
import datetime
import os
import subprocess
import sys

PSQL = os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), "psql")


def query(url, sql):
    """Rows of one query, as lists of strings."""
    if url.startswith(("postgres://", "postgresql://")):
        out = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-F", "\t", "-d", url, "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]
    import sqlite3
    path = url.removeprefix("sqlite://")
    return [[str(v) for v in row] for row in sqlite3.connect(path).execute(sql)]


def one(url, sql):
    return query(url, sql)[0][0]


def main():
    url, what = sys.argv[1], sys.argv[2]
    if what == "count":
        print(one(url, "SELECT count(*) FROM matters"))
        return
    if what == "size":
        print(one(url, "SELECT pg_size_pretty(pg_database_size(current_database()))"))
        return
    w = what
    codes = [r[0] for r in query(url, "SELECT code FROM matters WHERE channel = 'online' ORDER BY random() LIMIT 5000")]
    ids = [r[0] for r in query(url, "SELECT id FROM matters ORDER BY random() LIMIT 5000")]
    open(f"{w}/codes.txt", "w").write("\n".join(codes) + "\n")
    open(f"{w}/ids.txt", "w").write("\n".join(ids) + "\n")
    phone = one(url, "SELECT citizen_phone FROM matters WHERE citizen_phone IS NOT NULL ORDER BY id LIMIT 1 OFFSET 1000")
    open(f"{w}/phone.txt", "w").write(phone)
    cat = one(url, "SELECT id FROM categories WHERE code = 'municipal'")
    place = one(url, "SELECT id FROM units WHERE code = 'GC-XB'")
    # A cursor half-way down the whole list, newest first: the deep page.
    total = int(one(url, "SELECT count(*) FROM matters"))
    t, mid = query(url, "SELECT CAST(created_at AS TEXT), id FROM matters "
                        f"ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET {total // 2}")[0]
    whole, _, frac = t.partition(".")
    secs = calendar.timegm(datetime.datetime.strptime(whole[:19], "%Y-%m-%d %H:%M:%S").timetuple())
    open(f"{w}/cursor.txt", "w").write(f"{secs * 10**9 + int((frac + '000000000')[:9])}.{mid}")
    open(f"{w}/form.txt", "w").write(
        f"category={cat}&title=bench+title+here&description=a+benchmark+submission+of+a+livelihood+request"
        f"&place={place}&address=bench+road+1&phone=13812345678&consent=yes")


if __name__ == "__main__":
    main()
