from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from omnicanal.core.errors import Problem
from omnicanal.core.models import ApiKey, Role, Scope
from omnicanal.core.services import do_create_api_key, do_revoke_api_key, do_set_api_key_scopes


class Command(BaseCommand):
    help = "Create, list or revoke API keys. `apikey create` prints the new key as its last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a key (shown once)")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--location", action="append", default=[], dest="locations", metavar="CODE")
        create.add_argument("--name", default="")
        create.add_argument("--scope", action="append", default=None, dest="scopes", choices=Scope.values,
                            help="integration keys only, repeatable (default: orders, catalog, stock)")
        scopes = sub.add_parser("scopes", help="replace an integration key's scopes")
        scopes.add_argument("prefix")
        scopes.add_argument("--scope", action="append", required=True, dest="scopes", choices=Scope.values)
        sub.add_parser("list", help="list keys (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        try:
            with transaction.atomic():
                if action == "create":
                    issued = do_create_api_key(role=options["role"], locations=options["locations"], name=options["name"],
                                               scopes=options["scopes"])
                    self.stdout.write(f"Created API key {issued.key.prefix} with role {issued.key.role}; it is shown only once:")
                    self.stdout.write(issued.secret)
                elif action == "scopes":
                    key = do_set_api_key_scopes(prefix=options["prefix"], scopes=options["scopes"])
                    self.stdout.write(f"{key.prefix} scopes: {','.join(key.scopes)}")
                elif action == "revoke":
                    do_revoke_api_key(prefix=options["prefix"])
                    self.stdout.write(f"Revoked {options['prefix']}.")
                else:
                    for key in ApiKey.objects.order_by("created_at"):
                        state = "revoked" if key.revoked_at else "active"
                        self.stdout.write(f"{key.prefix}  {key.role:<12} {state:<8} {key.name} {','.join(key.locations)} {','.join(key.scopes)}")
        except Problem as problem:
            raise CommandError(f"{problem.detail} " + "; ".join(f"{e.field}: {e.message}" for e in problem.errors)) from problem
