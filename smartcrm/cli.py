"""The `smartcrm` command: one entry point for administrators.

    smartcrm init        create the database tables, an organisation and its owner
    smartcrm serve       serve the web application with gunicorn
    smartcrm demo        load demo data (once; running it again changes nothing)
    smartcrm createuser  add a user to an organisation
    smartcrm check       check configuration, database and migrations
    smartcrm token       API tokens: create --email E [--org SLUG] [--name N], list, revoke
    smartcrm rates fetch [--date D] [--file F] [--org SLUG]   BNR exchange rates
    smartcrm anaf lookup CUI                                    company data from ANAF
    smartcrm worker [--once] [--failed] [--processes N]   run background jobs: reminders,
                 e-mails, agendas, imports (N processes, each started again if it dies)
    smartcrm jobs [failed | retry ID|--all | discard ID]   the queue, the workers, failed jobs
    smartcrm import KIND FILE [--map TEMPLATE] [--key email] [--dry-run] [--all-or-nothing]
                 [--org SLUG] [--user EMAIL] [--rejected OUT.csv]   prospects, accounts,
                 contacts, products from CSV/XLSX (preview, then import); --resume ID
    smartcrm <django management command> ...   e.g. migrate, shell, dbshell

Errors are one line on stderr and a non-zero exit; SMARTCRM_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import os
import sys

ALIASES = {"check": "healthcheck"}
USAGE = (__doc__ or "").strip()


def _fail(message: str) -> int:
    print(f"smartcrm: error: {message}", file=sys.stderr)
    return 1


def serve(argv: list[str]) -> int:
    """Collect static files, refuse to start with unapplied migrations, run gunicorn (with no
    database connection left open in the master when it forks its workers)."""
    import argparse

    parser = argparse.ArgumentParser(prog="smartcrm serve", description="Serve SmartCRM.")
    parser.add_argument("--host", default=os.environ.get("SMARTCRM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SMARTCRM_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("SMARTCRM_WEB_THREADS", "4"))
    )
    # A request may read and check a whole import file (up to 100 MB) before answering.
    parser.add_argument(
        "--timeout", type=int, default=int(os.environ.get("SMARTCRM_WEB_TIMEOUT", "300"))
    )
    args = parser.parse_args(argv)

    import django
    from django.core.management import call_command

    django.setup()
    from smartcrm.ops.health import pending_migrations

    pending = pending_migrations()
    if pending:
        return _fail(f"{len(pending)} migration(s) not applied; run `smartcrm migrate` first.")
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run

    from smartcrm.ops.serving import close_database_connections, gunicorn_options

    # The checks above opened a connection; the workers forked next must not inherit it.
    close_database_connections()
    sys.argv = [
        "gunicorn",
        *gunicorn_options(
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            timeout=args.timeout,
        ),
    ]
    print(f"SmartCRM serving at http://{args.host}:{args.port}/", flush=True)
    run()
    return 0


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcrm.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    debug = os.environ.get("SMARTCRM_DEBUG") == "1"
    try:
        if command == "serve":
            return serve(rest)
        from django.core.management import execute_from_command_line

        # What a command changes is recorded in the audit log as made from the command line
        # (the worker's jobs say "background job" instead).
        os.environ.setdefault("SMARTCRM_AUDIT_ORIGIN", "cli")

        execute_from_command_line(["smartcrm", ALIASES.get(command, command), *rest])
        return 0
    except KeyboardInterrupt:
        return 130
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except Exception as error:
        if debug:
            raise
        message = f"{type(error).__name__}: {error}".splitlines()[0]
        from smartcrm.ops.health import database_hint

        return _fail(message + database_hint(error))


if __name__ == "__main__":
    sys.exit(main())
