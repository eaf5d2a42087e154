"""`manage.py seed_demo`: fill the site with deterministic, idempotent demo data."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relcommerce import demo, demo_advocacy, demo_history


class Command(BaseCommand):
    help = (
        "Fill the site with believable demo data: creators with shops and images, fans, "
        "follows and ~90 days of follow events, comments, questions, replies and likes. "
        "Deterministic for a given --seed and safe "
        "to run again (only what is missing is added). Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"Random seed; the same seed gives the same data (default {demo.DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--fans",
            type=int,
            default=demo.DEFAULT_FANS,
            help=f"Number of fans, e.g. 100000 for benchmarks (default {demo.DEFAULT_FANS}).",
        )
        parser.add_argument(
            "--creators",
            type=int,
            default=demo.DEFAULT_CREATORS,
            help=(
                f"Number of creators (default {demo.DEFAULT_CREATORS}); the first "
                f"{len(demo.CREATORS)} are hand-written, the rest generated."
            ),
        )
        parser.add_argument(
            "--products-per-creator",
            type=int,
            default=demo.DEFAULT_PRODUCTS_PER_CREATOR,
            help=(
                "Products of each generated creator, e.g. 50 for benchmarks (default "
                f"{demo.DEFAULT_PRODUCTS_PER_CREATOR}); hand-written creators sell their own "
                "range. Generated products share a small pool of images."
            ),
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has any creator (used by `make run`).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo accounts, staff too, share a public password).",
        )

    def handle(self, *args, **options):
        seed, fans, creators = options["seed"], options["fans"], options["creators"]
        if fans < 0:
            raise CommandError("--fans cannot be negative.")
        if creators < 1:
            raise CommandError("--creators must be at least 1.")
        if options["products_per_creator"] < 0:
            raise CommandError("--products-per-creator cannot be negative.")
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "DEBUG is off: this looks like production. Demo accounts, including a staff "
                f"superuser, share the public password {demo.DEMO_PASSWORD!r}. Pass "
                "--allow-production if you really mean to seed this database."
            )
        if options["if_empty"] and demo.database_has_creators():
            self.stdout.write("The database already has creators: demo data not seeded.")
            self._print_logins(demo.demo_logins())
            return

        log = self.stdout.write if options["verbosity"] >= 1 else None
        report = demo.demo_seed(
            seed=seed,
            fans=fans,
            creators=creators,
            products_per_creator=options["products_per_creator"],
            log=log,
        )
        demo_history.demo_history_seed(seed=seed, log=log)
        # Tastemaker lists and share links, crediting some of the history's orders.
        demo_advocacy.demo_advocacy_seed(seed=seed, log=log)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready (seed {report.seed}) in {report.seconds:.1f} s: "
                f"{report.creators} creators ({report.creators_created} new), "
                f"{report.products} products ({report.products_created} new), "
                f"{report.fans} fans ({report.fans_created} new), "
                f"{report.follows_created} new follows and follow events, "
                f"{report.posts_created} new posts, "
                f"{report.reviews_created} new reviews ({report.orders_created} demo orders), "
                f"{report.comments_created} new comments and replies."
            )
        )
        self._print_logins(report.logins)

    def _print_logins(self, logins):
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password: {demo.DEMO_PASSWORD})")
        )
        for login in logins:
            self.stdout.write(f"  {login.role:<8} {login.email:<40} {login.url}")
        if any(login.role == "staff" for login in logins):
            self.stdout.write(
                "  Staff: admin first asks you to set up an authenticator app (two-factor)."
            )
        self.stdout.write("")
