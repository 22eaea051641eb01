"""Every command-line option of the checks, declared once: flag, environment variable, default, help,
validation, and whether it decides what is asked of Intacct (and so is stored in a recording).

``plugin.py`` registers the options from this table, ``config/settings.py`` resolves them,
``recording/record.py`` stores the asked ones in the cassette and ``recording/cassette.py`` builds its
commands from them. Adding an option is one entry here plus, if the checks read it, one field of
:class:`~.settings.Settings`. Stdlib only: it is imported for every pytest run.
"""

from __future__ import annotations

from ..intacct.endpoint import DEFAULT_ENDPOINT
from .option import (
    DEFAULT_CASSETTES,
    DEFAULT_CONCURRENCY,
    DEFAULT_GL_ACCOUNT,
    DEFAULT_SENDER_ID,
    DEFAULT_USER,
    ENV_COMPANY,
    ENV_SENDER_PASSWORD,
    ENV_USER_PASSWORD,
    MAX_CONCURRENCY,
    Option,
)
from .validation import (
    ATTESTABLE,
    valid_attestations,
    valid_attested,
    valid_cassettes,
    valid_company,
    valid_concurrency,
    valid_directory,
    valid_endpoint,
    valid_fleet,
    valid_gl_account,
    valid_history,
    valid_json_path,
    valid_mode,
    valid_record_mode,
    valid_sender_id,
    valid_shard,
    valid_signoff,
    valid_ticket,
    valid_user,
)

COMPANY = Option(
    "--intacct-company",
    "company_id",
    f"Intacct company ID to check; activates the checks (env {ENV_COMPANY})",
    metavar="ID",
    env=ENV_COMPANY,
    validate=valid_company,
)
MODE = Option(
    "--intacct-mode",
    "mode",
    "live (default), record (live, and write the run to a cassette) or replay (answer from the cassette: "
    "no network, no passwords; user, sender ID, GL account, --intacct-udd and --intacct-write-probe default "
    "to those of the recording)",
    metavar="{live,record,replay}",
    default="live",
    validate=valid_mode,
)
RECORD_MODE = Option(
    "--intacct-record-mode",
    "record_mode",
    "with --intacct-mode=record, what to do when the company already has a recording: once (default: "
    "refuse, so no recording is ever replaced silently) or rewrite (replace it, and say so)",
    metavar="{once,rewrite}",
    default="once",
    validate=valid_record_mode,
)
CASSETTES = Option(
    "--intacct-cassettes",
    "cassette_dir",
    "cassette directory; the file is <company>.yaml (default cassettes/ under the rootdir; a replay of a "
    "bundled demo company falls back to the copy installed with the plugin)",
    metavar="DIR",
    default=DEFAULT_CASSETTES,
    validate=valid_cassettes,
)

FLEET = Option(
    "--intacct-fleet",
    "fleet_path",
    "check every company listed in this TOML file instead of one --intacct-company: a [[company]] table per "
    "company with its id and optionally user, gl_account, udd, write_probe and password_env (the name of the "
    "environment variable holding that user's password; never the password itself)",
    metavar="FLEET.toml",
    validate=valid_fleet,
)

OPTIONS: tuple[Option, ...] = (
    COMPANY,
    Option(
        "--intacct-user",
        "user_id",
        f"Web Services user to check (env INTACCT_USER_ID; default {DEFAULT_USER})",
        metavar="ID",
        env="INTACCT_USER_ID",
        default=DEFAULT_USER,
        validate=valid_user,
        recorded_as="user",
        any_case=True,
    ),
    Option(
        "--intacct-sender-id",
        "sender_id",
        f"Web Services sender ID (env INTACCT_SENDER_ID; default '{DEFAULT_SENDER_ID}'). Passwords come only "
        f"from the environment: {ENV_SENDER_PASSWORD} and {ENV_USER_PASSWORD}",
        metavar="ID",
        env="INTACCT_SENDER_ID",
        default=DEFAULT_SENDER_ID,
        validate=valid_sender_id,
        recorded_as="sender_id",
    ),
    Option(
        "--intacct-endpoint",
        "endpoint",
        f"XML gateway URL (env INTACCT_ENDPOINT_URL; default {DEFAULT_ENDPOINT})",
        metavar="URL",
        env="INTACCT_ENDPOINT_URL",
        default=DEFAULT_ENDPOINT,
        validate=valid_endpoint,
    ),
    Option(
        "--intacct-gl-account",
        "gl_account",
        f"the PEX GL account's number or title (default title '{DEFAULT_GL_ACCOUNT}')",
        metavar="NUMBER_OR_TITLE",
        default=DEFAULT_GL_ACCOUNT,
        validate=valid_gl_account,
        recorded_as="gl_account",
        any_case=True,
    ),
    Option(
        "--intacct-udd",
        "udd",
        "also check the optional UDD-READ requirement (optional: user-defined dimensions)",
        kind="flag",
        recorded_as="udd",
    ),
    Option(
        "--intacct-write-probe",
        "write_probe",
        "verify Step 1 (attachment numbering) by creating and deleting one attachment: the only write ever "
        "made; a successful probe uses up one number of the Attachments sequence",
        kind="flag",
        recorded_as="write_probe",
    ),
    Option(
        "--intacct-attest",
        "attested",
        f"attest a requirement Intacct cannot show ({', '.join(ATTESTABLE)}) as the --intacct-signoff "
        "person, after checking it in Intacct; repeatable",
        kind="repeat",
        metavar="ID",
        validate=valid_attested,
    ),
    Option(
        "--intacct-attestations",
        "attestations_path",
        "the attestation register (TOML): [[attestation]] tables with company, requirement, by, on, reason and "
        "expires; an unexpired entry attests that requirement for that company as --intacct-attest would",
        metavar="FILE.toml",
        validate=valid_attestations,
    ),
    MODE,
    RECORD_MODE,
    CASSETTES,
    Option(
        "--intacct-signoff",
        "signoff",
        "who signs the report off; without it the report is a DRAFT",
        metavar="NAME <EMAIL>",
        validate=valid_signoff,
    ),
    Option(
        "--intacct-ticket", "ticket", "customer ticket reference for the report", metavar="REF", validate=valid_ticket
    ),
    Option(
        "--intacct-json",
        "json_path",
        "write the results document (JSON, one entry per requirement) to PATH; with --intacct-fleet, PATH is a "
        "directory: one document per company (<company>.json) and _fleet.json",
        metavar="PATH",
        validate=valid_json_path,
    ),
    FLEET,
    Option(
        "--intacct-concurrency",
        "concurrency",
        f"with --intacct-fleet: how many companies are read at the same time (default {DEFAULT_CONCURRENCY}, "
        f"at most {MAX_CONCURRENCY})",
        metavar="N",
        default=str(DEFAULT_CONCURRENCY),
        validate=valid_concurrency,
    ),
    Option(
        "--intacct-shard",
        "shard",
        "with --intacct-fleet: check only the K-th of N disjoint slices of the companies (by company ID order), "
        "to split a fleet over CI jobs",
        metavar="K/N",
        validate=valid_shard,
    ),
    Option(
        "--intacct-baseline",
        "baseline_dir",
        "with --intacct-fleet: compare with the per-company results documents in DIR (the --intacct-json of an "
        "earlier run) and report every requirement whose outcome changed",
        metavar="DIR",
        validate=valid_directory,
    ),
    Option(
        "--intacct-history",
        "history_path",
        "with --intacct-fleet: keep every run's per-company outcomes in this SQLite file (created by the first "
        "run) and say since when each company that is not accepted has failed; without --intacct-baseline, "
        "drift compares with the last run in it",
        metavar="FILE",
        validate=valid_history,
    ),
)

# Options that only a fleet run reads; a single-company run refuses them rather than ignore them.
FLEET_ONLY: tuple[Option, ...] = tuple(
    option for option in OPTIONS if option.field in ("concurrency", "shard", "baseline_dir", "history_path")
)

BY_FIELD = {option.field: option for option in OPTIONS}
RECORDED = tuple(option for option in OPTIONS if option.recorded_as)
