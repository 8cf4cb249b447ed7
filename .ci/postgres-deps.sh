#!/usr/bin/env bash
# Debian's PostgreSQL server programs (initdb, pg_ctl, postgres) for the tests: each test
# process runs its own private cluster in a temp folder (tests/pg_cluster.py). Installs the
# postgresql package when running as root with apt; otherwise says what is missing and fails.
# The tests never use the system service nor the "main" cluster Debian may create and start
# on installation; that one is left as the package set it up.
set -euo pipefail

have_initdb() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

have_initdb && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "缺少 PostgreSQL（/usr/lib/postgresql/*/bin/initdb）：请以 root 运行 $0，或执行 apt-get install postgresql。" >&2
  exit 1
fi

echo "安装测试所需的 PostgreSQL（Debian 的 postgresql 软件包）"
install_postgresql() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
}
# The package lists may be missing or stale on a fresh machine: update only if needed.
install_postgresql || { apt-get update -q && install_postgresql; }

if ! have_initdb; then
  echo "安装 postgresql 之后仍然找不到 /usr/lib/postgresql/*/bin/initdb" >&2
  exit 1
fi
