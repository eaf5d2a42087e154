"""`manage.py metrics_rollup`: backfill or recompute relationship metrics for any days."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from creators import rollup


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date in the form YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = (
        "Recompute relationship metrics from engagement events for the days --from to "
        "--to (inclusive, each creator's days in its time zone; rows of those days are "
        "replaced), then every fan relationship. Without dates, run the incremental "
        "roll-up beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD.")
        parser.add_argument(
            "--to", dest="end", help="Last day, YYYY-MM-DD (default: each creator's today)."
        )

    def handle(self, *args, start=None, end=None, **options):
        if start is None and end is None:
            result = rollup.rollup_incremental()
            if result is None:
                raise CommandError("Another roll-up is running; try again when it has finished.")
        else:
            if start is None:
                raise CommandError("--to needs --from.")
            first = _date(start)
            last = _date(end) if end else None
            if last is not None and last < first:
                raise CommandError("--to is before --from.")
            try:
                result = rollup.rollup_range(start=first, end=last)
            except rollup.RollupBusy as error:
                raise CommandError("Another roll-up kept running for 15 minutes.") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Metrics rolled up for {result.start}..{result.end}: {result.rows} daily rows "
                f"of {result.creators} creators, {result.relationships} fan relationships "
                f"in {result.seconds:.1f} s."
            )
        )
