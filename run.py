"""Entry point: build the knowledge base when stale and serve KB and portal together.

python run.py                 build-if-stale, seed demo data into an empty store, serve
python run.py build [--force] build the KB into site/ (skipped when nothing changed)
python run.py seed-demo       write demo data (示例) into an empty store
python run.py create-admin    create a district admin (asks for phone, name, password)
python run.py worker          run the scheduled jobs and send the e-mail outbox
python run.py init-db         create or upgrade the PostgreSQL schema (--database-url)
python run.py migrate-store --to TARGET   copy the store to an empty database or folder
python run.py backup / restore            one archive format for both stores

The store is the data folder (--data-dir, PORTAL_DATA_DIR; the default) or, with
--database-url / PORTAL_DATABASE_URL=postgresql://…, a PostgreSQL database.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import tarfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def default_data_dir() -> str:
    # Kept here rather than imported from portal: a skipped build must start fast.
    return os.environ.get("PORTAL_DATA_DIR") or str(ROOT / "data")


def default_database_url() -> str:
    return (os.environ.get("PORTAL_DATABASE_URL") or "").strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="社区报到与服务平台：构建知识库并启动门户（知识库在 /，门户在 /portal/）。",
    )
    data_help = "数据目录（也可用环境变量 PORTAL_DATA_DIR；默认 ./data）"
    db_help = (
        "PostgreSQL 数据库地址 postgresql://…（也可用环境变量 PORTAL_DATABASE_URL）；"
        "设置后数据存放在数据库中，不用数据目录"
    )
    parser.add_argument("--data-dir", default=default_data_dir(), help=data_help)
    parser.add_argument("--database-url", default=default_database_url(), help=db_help)
    # Sub-commands accept them too; SUPPRESS keeps them from overriding the top-level value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_help)
    common.add_argument("--database-url", default=argparse.SUPPRESS, help=db_help)
    sub = parser.add_subparsers(dest="command", metavar="命令")
    serve = sub.add_parser(
        "serve", parents=[common], help="构建知识库（如有变化）并启动服务（默认命令）"
    )
    for p in (parser, serve):
        p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        p.add_argument("--port", type=int, default=5000, help="端口（默认 5000）")
        p.add_argument("--no-demo", action="store_true", help="数据目录为空时也不写入演示数据")
        p.add_argument(
            "--no-worker",
            action="store_true",
            help="不在本进程内运行定时任务和发送邮件（另有 python run.py worker 时）",
        )
    build = sub.add_parser("build", parents=[common], help="构建知识库到 site/（内容未变化时跳过）")
    build.add_argument("--force", action="store_true", help="即使内容未变化也重新构建")
    sub.add_parser("seed-demo", parents=[common], help="向空的数据目录写入演示数据（示例）")
    backup = sub.add_parser(
        "backup", parents=[common], help="为数据目录写一份一致的备份（服务运行时也可以）"
    )
    backup.add_argument("--output", help="备份文件路径（默认 数据目录/backups/backup-时间.tar.gz）")
    restore = sub.add_parser(
        "restore", parents=[common], help="用备份文件恢复数据目录（请先停止服务；原数据会另存一份）"
    )
    restore.add_argument("file", help="备份文件（.tar.gz）")
    sub.add_parser(
        "init-db",
        parents=[common],
        help="创建或升级 PostgreSQL 数据库的表结构（可重复运行；需要 --database-url）",
    )
    migrate = sub.add_parser(
        "migrate-store",
        parents=[common],
        help="把当前存储（数据目录或数据库）完整复制到一个空的数据库或空目录，并逐条校验",
    )
    migrate.add_argument(
        "--to", required=True, help="目标：postgresql://… 数据库地址，或一个空的数据目录"
    )
    worker = sub.add_parser(
        "worker",
        parents=[common],
        help="运行定时任务（提醒、超时升级、摘要、季度函、备份、按期删除）并发送邮件",
    )
    worker.add_argument(
        "--tick-seconds",
        type=float,
        default=float(os.environ.get("PORTAL_TICK_SECONDS") or 0) or None,
        help="每隔几秒检查一次全部任务（测试用，也可用环境变量 PORTAL_TICK_SECONDS；默认按各任务的时间表）",
    )
    worker.add_argument("--once", action="store_true", help="把到期的任务各运行一次后退出")
    admin = sub.add_parser(
        "create-admin", parents=[common], help="创建区级管理员账号（依次询问手机号、姓名和密码）"
    )
    admin.add_argument("--phone", help="手机号（不填则交互询问）")
    admin.add_argument("--name", help="姓名（不填则交互询问）")
    return parser


def build_kb(force: bool = False) -> int:
    from kb.build import build
    from kb.data import DataError

    started = time.perf_counter()
    try:
        built = build(force=force)
    except DataError as exc:
        print(f"知识库构建失败：{exc}", file=sys.stderr)
        return 1
    took = time.perf_counter() - started
    print(
        f"知识库已构建（{took:.2f} 秒）。"
        if built
        else f"知识库内容未变化，跳过构建（{took:.2f} 秒）。"
    )
    return 0


def _target(args) -> str:
    """Where the store is: the database when a URL is given, else the data folder."""
    return args.database_url or args.data_dir


def _app_config(args) -> dict:
    return {"DATA_DIR": args.data_dir, "DATABASE_URL": args.database_url}


def _open_store(args):
    """Open the store or explain, in Chinese, what is wrong and what to do."""
    from portal import store

    try:
        store.open_store(_target(args))
    except store.CorruptFile as exc:
        folder = Path(args.data_dir) / "backups"
        found = store.list_backups(folder)
        hint = (
            f"最近的备份是 {found[0]}，可用 python run.py restore {found[0]} 恢复"
            if found
            else f"备份目录 {folder} 中没有备份，请从其他备份恢复该文件"
        )
        print(f"无法启动：{exc}\n{hint}；或联系管理员。", file=sys.stderr)
        return None
    except store.SchemaError as exc:
        print(f"无法启动：{exc}", file=sys.stderr)
        return None
    except store.BackendUnavailable as exc:
        print(f"无法启动：{exc}。请检查数据库地址和数据库是否在运行。", file=sys.stderr)
        return None
    return store


def seed_demo(args) -> int:
    from portal import demo

    store = _open_store(args)
    if store is None:
        return 1
    try:
        counts = demo.seed()
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"已写入演示数据：{counts['communities']} 个示例社区，{counts['accounts']} 个示例账号，"
        f"{counts['posts']} 个示例岗位。演示账号见 README。"
    )
    return 0


def _read_password() -> str:
    """The password: asked twice without echo on a terminal, else one line from stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise ValueError("两次输入的密码不一致。")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def create_admin(args) -> int:
    """Create a district admin from the command line (the first admin of a real store)."""
    from forms.base import PHONE_RE, password_problem

    store = _open_store(args)
    if store is None:
        return 1
    try:
        phone = (args.phone or input("手机号：")).strip().replace(" ", "").replace("-", "")
        if not PHONE_RE.match(phone):
            print("请输入 11 位中国大陆手机号，例如 13800001234。", file=sys.stderr)
            return 1
        if store.find_user_by_phone(phone):
            print("该手机号已经注册，不能再创建管理员。", file=sys.stderr)
            return 1
        name = (args.name or input("姓名：")).strip()
        if not name or len(name) > 30:
            print("请填写姓名（不超过 30 个字）。", file=sys.stderr)
            return 1
        password = _read_password()
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\n已取消，没有创建账号。", file=sys.stderr)
        return 1
    problem = password_problem(password, phone)
    if problem:
        print(f"密码太弱：{problem}", file=sys.stderr)
        return 1
    try:
        user = store.create_user(phone=phone, password=password, name=name, role="district_admin")
    except store.StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    store.record_audit(user, "命令行创建区级管理员", target=f"区级管理员 {name}")
    print(
        f"已创建区级管理员：{name}（{phone[:3]}****{phone[-4:]}）。请用该手机号和密码登录 /portal/login。"
    )
    return 0


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno not in (errno.EADDRINUSE, errno.EACCES)
    return True


def serve(args) -> int:
    if build_kb() != 0:
        return 1
    store = _open_store(args)
    if store is None:
        return 1
    if store.is_empty() and not args.no_demo and seed_demo(args) != 0:
        return 1
    if not _port_free(args.host, args.port):
        print(
            f"端口 {args.port} 已被占用：可能已有一个实例在运行。"
            f"请关闭它，或用 --port 换一个端口，例如 python run.py --port {args.port + 1}",
            file=sys.stderr,
        )
        return 2
    from werkzeug.serving import run_simple

    from portal import create_app
    from portal.config import tune_garbage_collector

    tune_garbage_collector()
    app = create_app(_app_config(args))
    print(
        f"知识库： http://{args.host}:{args.port}/\n门户：   http://{args.host}:{args.port}/portal/"
    )
    if not args.no_worker:
        from portal.worker import scheduler

        scheduler.start_background(app)
        print(
            "定时任务和邮件发送在本进程内运行（生产环境请另起 python run.py worker，见 README）。"
        )
    run_simple(args.host, args.port, app, threaded=True)
    return 0


def run_worker(args) -> int:
    """The scheduled jobs and the e-mail sender, until stopped (or once with --once)."""
    import logging

    store = _open_store(args)
    if store is None:
        return 1
    from portal import create_app
    from portal.worker import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # APScheduler's own lines (each run; a tick skipped while the last still runs) are noise.
    logging.getLogger("apscheduler").setLevel(
        logging.ERROR if args.tick_seconds else logging.WARNING
    )
    app = create_app(_app_config(args))
    if args.once:
        for name, outcome in scheduler.run_all(app).items():
            print(
                f"{name}: {outcome['status']} {outcome.get('result') or outcome.get('error') or ''}"
            )
        return 0
    print(
        f"worker 已启动（进程 {os.getpid()}，"
        + ("数据库" if args.database_url else f"数据目录 {args.data_dir}")
        + (f"，每 {args.tick_seconds} 秒检查一次" if args.tick_seconds else "")
        + "）。按 Ctrl-C 停止。",
        flush=True,
    )
    scheduler.run_blocking(app, args.tick_seconds)
    return 0


def backup_data(args) -> int:
    store = _open_store(args)
    if store is None:
        return 1
    path = store.make_backup(Path(args.output) if args.output else None)
    print(f"备份完成：{path}（{path.stat().st_size // 1024} KB）")
    return 0


def restore_data(args) -> int:
    from portal import store

    archive = args.file
    if not Path(archive).is_file():
        print(f"找不到备份文件：{archive}", file=sys.stderr)
        return 1
    where = "数据库" if args.database_url else f"数据目录 {args.data_dir}"
    try:
        # Not open_store: a broken store is what a restore is for, so it is not checked.
        backend = store.open_backend(_target(args))
        if args.database_url:
            backend.check()  # the schema must be there (python run.py init-db)
        aside = store.restore_backup(Path(archive), backend)
    except (
        store.CorruptFile,
        store.SchemaError,
        store.BackendUnavailable,
        ValueError,
        OSError,
        EOFError,
        tarfile.TarError,
        zlib.error,
    ) as exc:
        print(f"恢复失败，{where}未做任何改动：{exc}", file=sys.stderr)
        return 1
    print(f"已从 {archive} 恢复{where}。恢复前的数据另存为备份 {aside}。")
    return 0


def init_db(args) -> int:
    from portal import store

    if not args.database_url:
        print("请用 --database-url 或环境变量 PORTAL_DATABASE_URL 指定数据库。", file=sys.stderr)
        return 1
    try:
        applied = store.init_database(args.database_url)
    except (store.SchemaError, store.BackendUnavailable) as exc:
        print(f"初始化失败：{exc}", file=sys.stderr)
        return 1
    print(
        f"数据库表结构已升级到版本 {applied[-1]}（本次执行 {len(applied)} 步）。"
        if applied
        else "数据库表结构已是最新，无需改动。"
    )
    return 0


def migrate_store(args) -> int:
    """Copy the store (folder or database) into an empty target and verify every entry."""
    from portal import store

    if args.to == _target(args):
        print("目标和来源是同一个存储。", file=sys.stderr)
        return 1
    source = _open_store(args)
    if source is None:
        return 1
    started = time.perf_counter()
    try:
        if args.to.startswith(("postgresql://", "postgres://")):
            store.init_database(args.to)
        target = store.open_backend(args.to)
        target.check()
        counts = store.copy_store(store.current_backend(), target)
    except (store.SchemaError, store.BackendUnavailable, store.CorruptFile, ValueError) as exc:
        print(f"迁移失败：{exc}", file=sys.stderr)
        return 1
    print(
        f"迁移完成并已逐条校验（{time.perf_counter() - started:.1f} 秒）：文档 {counts['documents']} 个，"
        f"照片等文件 {counts['blobs']} 个，日志 {counts['lines']} 个。"
    )
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        return build_kb(args.force)
    if args.command == "seed-demo":
        return seed_demo(args)
    if args.command == "create-admin":
        return create_admin(args)
    if args.command == "backup":
        return backup_data(args)
    if args.command == "restore":
        return restore_data(args)
    if args.command == "init-db":
        return init_db(args)
    if args.command == "migrate-store":
        return migrate_store(args)
    if args.command == "worker":
        return run_worker(args)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
