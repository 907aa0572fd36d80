"""Flask commands. Thin: they parse arguments, call services and commit."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from ideation.extensions import db

ROLES = ("citizen", "admin", "core_team", "stakeholder")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="citizen", show_default=True)
@click.option("--name", default="", help="Display name (default: the e-mail address).")
@click.option("--challenge", "slug", default=None,
              help="Challenge slug; required for core_team and stakeholder.")
@with_appcontext
def create_user_command(email: str, role: str, name: str, slug: str | None) -> None:
    """Create a user. The password is prompted, or read from the first line of stdin."""
    from ideation.accounts.models import MembershipRole
    from ideation.accounts.passwords import password_problem
    from ideation.accounts.services import AccountError, create_user, set_membership
    from ideation.challenges.services import get_by_slug

    challenge = None
    if role in ("core_team", "stakeholder"):
        if not slug:
            raise click.UsageError(f"--challenge SLUG is required for the role {role}")
        challenge = get_by_slug(slug)
        if challenge is None:
            raise click.BadParameter(f"no challenge with slug {slug!r}", param_hint="--challenge")
    password = _read_password()
    from flask_babel import force_locale

    with force_locale("en"):  # the command speaks English
        problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    try:
        user = create_user(email, name, password, is_admin=(role == "admin"))
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    if challenge is not None:
        set_membership(None, challenge, user, MembershipRole(role))
    db.session.commit()
    where = f" in {challenge.slug}" if challenge else ""
    click.echo(f"Created {user.email} as {role}{where}.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no challenges.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo challenge (idempotent) and print how to log in as each role."""
    from ideation.demo import load_demo
    from ideation.search.services import apply_pending

    load_demo(if_empty=if_empty, echo=click.echo)
    apply_pending()  # index the demo ideas now, not at the first search


search_group = click.Group("search", help="The search index.")


@search_group.command("reindex")
@click.argument("slug", required=False)
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Worker processes for the indexing (default: one per core, up to four, "
                   "for challenges of 5,000 ideas or more; else one).")
@with_appcontext
def reindex_command(slug: str | None, processes: int | None) -> None:
    """Rebuild the search index of one challenge (SLUG) or of all challenges."""
    from sqlalchemy import select

    from ideation.challenges.models import Challenge
    from ideation.challenges.services import get_by_slug
    from ideation.search import services as search
    from ideation.search.index import rebuild_processes

    if slug:
        challenge = get_by_slug(slug)
        if challenge is None:
            raise click.BadParameter(f"no challenge with slug {slug!r}", param_hint="SLUG")
        challenges = [challenge]
    else:
        challenges = list(db.session.scalars(select(Challenge).order_by(Challenge.id)))
    for challenge in challenges:
        total = search.count_searchable(challenge)
        with click.progressbar(length=total, label=f"{challenge.slug:<30}",
                               show_pos=True, show_eta=True) as bar:
            done = {"n": 0}

            def advance(count: int, bar=bar, done=done) -> None:
                bar.update(count - done["n"])
                done["n"] = count

            indexed = search.rebuild(challenge, progress=advance,
                                     processes=processes or rebuild_processes(total))
        click.echo(f"{challenge.slug}: {indexed} ideas indexed")
    search.apply_pending()


mail_group = click.Group("mail", help="Outgoing e-mail.")


@mail_group.command("deliver")
@with_appcontext
def deliver_mail_command() -> None:
    """Send queued e-mail now, and retry at once messages that failed before or whose sender
    crashed halfway. The web processes do this by themselves; this is for checking, for a
    set-up with IDEATION_MAIL_BACKGROUND=false (run it from cron), and after an outage.

    A message is tried at most 8 times; the ones given up are listed with their last error.
    """
    from ideation.core import mail

    sent = failed = 0
    with click.progressbar(length=mail.count_due(), label="Sending e-mail",
                           show_pos=True) as bar:
        after_id = 0
        while (result := mail.deliver_pending(limit=50, after_id=after_id)).seen:
            bar.update(result.seen)
            sent, failed, after_id = sent + result.sent, failed + result.failed, result.last_id
    click.echo(f"Sent {sent}, failed {failed} (failed messages are retried next time).")
    given_up = mail.given_up(REPORT_LIMIT)
    if given_up:
        click.echo(f"Given up after {mail.MAX_ATTEMPTS} attempts:")
    for message in given_up:
        click.echo(f"  #{message.id} to {message.to_address}: {message.last_error}")


@mail_group.command("send-test")
@click.argument("address")
@with_appcontext
def send_test_mail_command(address: str) -> None:
    """Send a test message to ADDRESS now, to check the mail settings."""
    from flask import current_app
    from flask_babel import gettext as _

    from ideation.core import mail

    message = mail.queue_mail(address, _("Test message from ideation"),
                              _("The mail settings work: this message arrived."))
    db.session.commit()
    message = mail.deliver_message(message.id)
    host = current_app.config["IDEATION_MAIL_HOST"]
    where = (f"{host}:{current_app.config['IDEATION_MAIL_PORT']}" if host
             else str(mail.outbox_folder()))
    if message is None or message.sent_dt is None:
        error = message.last_error if message else "not found"
        raise click.ClickException(f"Sending to {address} via {where} failed: {error}")
    click.echo(f"Sent a test message to {address} via {where}.")


REPORT_LIMIT = 50


def _apply_search_jobs() -> None:
    """Bring the search index up to date after bulk work, with a progress bar."""
    from sqlalchemy import func, select

    from ideation.search.models import SearchJob
    from ideation.search.services import apply_pending

    pending = db.session.scalar(select(func.count(SearchJob.id))) or 0
    if not pending:
        return
    with click.progressbar(length=pending, label="Updating the search index",
                           show_pos=True) as bar:
        while applied := apply_pending(limit=1000):
            bar.update(applied)


@click.command("import-ideas")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--create-themes", is_flag=True,
              help="Create themes the challenge does not have yet, instead of refusing the row.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, writable=True,
                                                           path_type=Path),
              help="Write every refused row (line, reason) to this CSV file.")
@with_appcontext
def import_ideas_command(slug: str, file: Path, create_themes: bool,
                         report_path: Path | None) -> None:
    """Import ideas from paper or sessions into the challenge SLUG from a CSV FILE.

    \b
    FILE is UTF-8 (with or without BOM), separated by commas or semicolons, with the header
        title,description,theme,author
    title and description are required (title at most 120 characters); theme is the name of
    one of the challenge's themes; author is an optional name shown with the idea.
    A Pol.is comments.csv is recognised by its header and imported as well.

    Rows already imported (same title and description) are skipped, so the command can be
    run again safely. Refused rows are reported with their line number and reason.
    """
    from ideation.challenges.services import get_by_slug
    from ideation.ideas.importer import ImportFileError, import_ideas, read_import_file

    challenge = get_by_slug(slug)
    if challenge is None:
        raise click.BadParameter(f"no challenge with slug {slug!r}", param_hint="SLUG")
    try:
        parsed = read_import_file(file.read_bytes())
    except OSError as error:
        raise click.FileError(str(file), hint=error.strerror) from error
    except ImportFileError as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported") from error

    started = time.perf_counter()
    with click.progressbar(length=len(parsed.rows), label=f"Importing {parsed.format} rows",
                           show_pos=True) as bar:
        def commit_batch(rows: int) -> None:
            db.session.commit()
            bar.update(rows)

        try:
            result = import_ideas(None, challenge, parsed, create_themes=create_themes,
                                  after_batch=commit_batch)
        except Exception:
            db.session.rollback()  # earlier batches stay; running again continues the import
            raise
    seconds = time.perf_counter() - started
    _apply_search_jobs()

    rate = len(parsed.rows) / seconds if seconds else 0
    click.echo(f"Imported {result.imported}, already imported {result.already_imported}, "
               f"refused {len(result.refused)} ({len(parsed.rows)} rows in {seconds:.1f} s, "
               f"{rate:.0f} rows/s).")
    if result.created_themes:
        click.echo(f"Created themes: {', '.join(result.created_themes)}.")
    for refusal in result.refused[:REPORT_LIMIT]:
        click.echo(f"  line {refusal.line}: {refusal.reason}")
    if len(result.refused) > REPORT_LIMIT:
        click.echo(f"  ... and {len(result.refused) - REPORT_LIMIT} more")
    if report_path is not None:
        with report_path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "reason"])
            writer.writerows((refusal.line, refusal.reason) for refusal in result.refused)
        click.echo(f"Refused rows written to {report_path}.")


privacy_group = click.Group("privacy", help="The citizen's rights: retention.")


@privacy_group.command("retention")
@with_appcontext
def retention_command() -> None:
    """Apply the retention period now (it also runs by itself once a day): anonymise the
    challenges closed longer ago and delete accounts unused that long."""
    from ideation.privacy.erasure import run_retention
    from ideation.privacy.services import retention_months

    months = retention_months()
    if not months:
        click.echo("No retention period is set (Admin > Privacy settings); nothing to do.")
        return
    with click.progressbar(length=1, label=f"Applying {months} months") as bar:
        run = run_retention()
        bar.update(1)
    click.echo(f"Anonymised {run.challenges} challenges, deleted {run.accounts} accounts.")


notifications_group = click.Group("notifications", help="Notifications and their e-mails.")


@notifications_group.command("digest")
@with_appcontext
def digest_command() -> None:
    """Send the weekly e-mails that are due now (they also go out by themselves)."""
    from ideation.notifications.digest import send_digests

    total = 0
    with click.progressbar(length=0, label="Weekly e-mails") as bar:
        while sent := send_digests():
            db.session.commit()
            total += sent
            bar.update(sent)
    click.echo(f"Queued {total} weekly e-mails.")


def _challenge(slug: str) -> object:
    from ideation.challenges.services import get_by_slug

    challenge = get_by_slug(slug)
    if challenge is None:
        raise click.BadParameter(f"no challenge with slug {slug!r}", param_hint="SLUG")
    return challenge


@click.command("cluster")
@click.argument("slug")
@click.option("--k", "k", type=click.IntRange(2, 500), default=None,
              help="Number of groups (default: chosen by the computer, with themes on top).")
@click.option("--accept", is_flag=True, help="Accept every suggested theme as a cluster.")
@with_appcontext
def cluster_command(slug: str, k: int | None, accept: bool) -> None:
    """Suggest groups for the ideas without a cluster of challenge SLUG and store them as a
    proposal the board shows (with --accept: make a cluster of each theme at once)."""
    from ideation.challenges.phases import PhaseClosed
    from ideation.curation import proposals
    from ideation.curation.services import CurationError
    from ideation.jobs.models import Job, JobState
    from ideation.jobs.services import execute

    challenge = _challenge(slug)
    try:
        proposal = proposals.request_suggestions(None, challenge, k, via="cli")
    except (CurationError, PhaseClosed) as error:
        raise click.ClickException(str(getattr(error, "verdict", None) and
                                       error.verdict.reason or error)) from error
    job = db.session.get(Job, proposal.job_id)
    job.runner = "inline"  # the command line is the worker: it waits for the result anyway
    db.session.commit()
    with click.progressbar(length=100, label="Grouping ideas", show_percent=True) as bar:
        shown = {"n": 0}

        def advance(percent: int, step: str) -> None:
            bar.update(max(0, percent - shown["n"]))
            shown["n"] = max(shown["n"], percent)

        execute(job.id, observer=advance)
        bar.update(100 - shown["n"])
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    if job.state is not JobState.done:
        raise click.ClickException(f"the suggestion failed: {job.error}")
    proposal = proposals.get_proposal(challenge, proposal.id)
    themes = proposals.proposal_view(proposal)
    for view in themes:
        typical = "; ".join(idea.title for idea in view.typical)
        click.echo(f"- {view.group.name} ({view.size} ideas, tightness "
                   f"{round(view.group.tightness * 100)}%): {typical}")
        for child in view.children:
            click.echo(f"    - {child.group.name} ({child.size})")
    click.echo(f"Proposal {proposal.id}: {len(themes)} themes, stored for the board.")
    if accept:
        done = proposals.accept_groups(None, proposal, [view.group.id for view in themes])
        db.session.commit()
        click.echo(f"Accepted: {len(done.clusters)} clusters with {done.moved} ideas "
                   f"({done.skipped} already in a cluster were left alone).")


@click.command("duplicates")
@click.argument("slug")
@click.option("--threshold", type=click.FloatRange(0.5, 1.0), default=0.8, show_default=True,
              help="How alike two ideas must be (0.5-1.0).")
@with_appcontext
def duplicates_command(slug: str, threshold: float) -> None:
    """List the pairs of alike ideas of challenge SLUG, most alike first."""
    from ideation.curation import duplicates

    challenge = _challenge(slug)
    with click.progressbar(length=2, label="Comparing ideas") as bar:
        bar.update(1)
        found = duplicates.find_pairs(challenge, threshold)
        pairs = duplicates.pairs_of(found, threshold)
        bar.update(1)
    for pair in pairs:
        click.echo(f"{pair.percent:>3}%  #{pair.left.id} {pair.left.title}  |  "
                   f"#{pair.right.id} {pair.right.title}")
    click.echo(f"{len(pairs)} pairs at {round(threshold * 100)}% or more.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs (suggestions, duplicates, reindexes) from Redis
    (IDEATION_REDIS_URL)."""
    from ideation.jobs import services as jobs

    if not jobs.redis_url():
        raise click.ClickException("IDEATION_REDIS_URL is not set: without Redis every job "
                                   "runs in the web process and no worker is needed.")
    jobs.work(burst=burst)


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(import_ideas_command)
    app.cli.add_command(search_group)
    app.cli.add_command(mail_group)
    app.cli.add_command(privacy_group)
    app.cli.add_command(notifications_group)
    app.cli.add_command(cluster_command)
    app.cli.add_command(duplicates_command)
    app.cli.add_command(worker_command)
