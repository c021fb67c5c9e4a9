//! The command line parses as CONTRACT.md writes it.
use super::*;
use clap::CommandFactory;

#[test]
fn cli_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn no_subcommand_means_serve_with_flags() {
    let cli = Cli::try_parse_from(["scimd", "--listen", "0.0.0.0:9000"]).unwrap();
    assert!(cli.command.is_none());
    assert_eq!(cli.serve.listen, "0.0.0.0:9000");
}

#[test]
fn token_issue_parses_expiry_and_database_url() {
    let cli = Cli::try_parse_from([
        "scimd",
        "token",
        "issue",
        "--tenant",
        "acme",
        "--expires-in",
        "90d",
        "--database-url",
        "sqlite::memory:",
    ])
    .unwrap();
    let Some(Command::Token {
        command:
            TokenCommand::Issue {
                tenant,
                expires_in,
                db,
                ..
            },
    }) = cli.command
    else {
        panic!("expected token issue");
    };
    assert_eq!(tenant, "acme");
    assert_eq!(expires_in, Some(Duration::from_secs(90 * 86_400)));
    assert_eq!(db.database_url, "sqlite::memory:");
}

#[test]
fn rate_limits_default_to_the_documented_values_and_take_flags() {
    use crate::api::rate_limit::{DEFAULT_BURST, DEFAULT_PER_SECOND, RateLimit};
    use crate::startup::Settings;
    let cli = Cli::try_parse_from(["scimd"]).unwrap();
    let limit = Settings::from(&cli.serve).api.rate_limit.unwrap();
    assert_eq!(
        (limit.per_second.get(), limit.burst.get()),
        (DEFAULT_PER_SECOND, DEFAULT_BURST)
    );
    let cli =
        Cli::try_parse_from(["scimd", "--rate-limit", "5", "--rate-limit-burst", "20"]).unwrap();
    assert_eq!(
        Settings::from(&cli.serve).api.rate_limit,
        RateLimit::new(5, 20)
    );
    let cli = Cli::try_parse_from(["scimd", "--rate-limit", "0"]).unwrap();
    assert_eq!(Settings::from(&cli.serve).api.rate_limit, None);
}

#[test]
fn token_rotate_overlap_defaults_to_a_day_and_accepts_zero() {
    let rotate = |args: &[&str]| {
        let cli =
            Cli::try_parse_from([&["scimd", "token", "rotate", "t1"], args].concat()).unwrap();
        let Some(Command::Token {
            command:
                TokenCommand::Rotate {
                    id,
                    overlap,
                    expires_in,
                    ..
                },
        }) = cli.command
        else {
            panic!("expected token rotate");
        };
        assert_eq!(id, "t1");
        (overlap, expires_in)
    };
    assert_eq!(rotate(&[]), (Duration::from_secs(86_400), None));
    assert_eq!(rotate(&["--overlap", "0"]), (Duration::ZERO, None));
    assert_eq!(
        rotate(&["--overlap", "2h", "--expires-in", "90d"]),
        (
            Duration::from_secs(7200),
            Some(Duration::from_secs(90 * 86_400))
        )
    );
}

#[test]
fn jwks_refresh_defaults_to_an_hour_and_takes_one_second_to_a_year() {
    let every = |args: &[&str]| {
        Cli::try_parse_from([&["scimd"], args].concat()).map(|cli| cli.serve.jwks_refresh)
    };
    assert_eq!(every(&[]).unwrap(), Duration::from_secs(3600));
    assert_eq!(
        every(&["--jwks-refresh", "1s"]).unwrap(),
        Duration::from_secs(1)
    );
    assert!(every(&["--jwks-refresh", "0s"]).is_err());
    assert!(every(&["--jwks-refresh", "2y"]).is_err());
}

#[test]
fn event_retention_defaults_to_30_days_and_takes_an_hour_to_a_century() {
    let keep = |args: &[&str]| {
        Cli::try_parse_from([&["scimd"], args].concat()).map(|cli| cli.serve.event_retention)
    };
    assert_eq!(keep(&[]).unwrap(), Duration::from_secs(30 * 86_400));
    assert_eq!(
        keep(&["--event-retention", "90d"]).unwrap(),
        Duration::from_secs(90 * 86_400)
    );
    assert!(keep(&["--event-retention", "10m"]).is_err());
    assert!(keep(&["--event-retention", "soon"]).is_err());
}

#[test]
fn activity_retention_defaults_to_30_days_and_0_turns_the_log_off() {
    let serve = |args: &[&str]| Cli::try_parse_from([&["scimd"], args].concat()).map(|c| c.serve);
    let default = serve(&[]).unwrap();
    assert_eq!(default.activity_retention, Duration::from_secs(30 * 86_400));
    assert!(!default.activity_reads);
    let off = serve(&["--activity-retention", "0", "--activity-reads"]).unwrap();
    assert_eq!(off.activity_retention, Duration::ZERO);
    assert!(off.activity_reads);
    assert!(serve(&["--activity-retention", "10m"]).is_err());
    assert!(serve(&["--activity-retention", "soon"]).is_err());
}

#[test]
fn events_takes_a_tenant_a_position_a_type_filter_and_follow() {
    let cli = Cli::try_parse_from([
        "scimd", "events", "--tenant", "acme", "--after", "41", "--types", "user.*", "--follow",
        "--json", "--limit", "5",
    ])
    .unwrap();
    let Some(Command::Events(args)) = cli.command else {
        panic!("expected events");
    };
    assert_eq!((args.tenant.as_str(), args.after), ("acme", 41));
    assert!(args.follow && args.json);
    assert_eq!(args.limit, Some(5));
    assert!(args.types.unwrap().admits("user.created"));
    for bad in [
        &["--types", "user.renamed"][..],
        &["--after", "-1"],
        &["--limit", "0"],
    ] {
        let parsed = Cli::try_parse_from([&["scimd", "events", "--tenant", "a"], bad].concat());
        assert!(parsed.is_err(), "{bad:?}");
    }
}

#[test]
fn import_takes_a_file_a_format_and_a_dry_run() {
    let cli = Cli::try_parse_from([
        "scimd",
        "import",
        "--tenant",
        "acme",
        "-",
        "--format",
        "jsonl",
        "--dry-run",
    ])
    .unwrap();
    let Some(Command::Import(args)) = cli.command else {
        panic!("expected import");
    };
    assert_eq!(
        (args.tenant.as_str(), args.file, args.format, args.dry_run),
        ("acme", PathBuf::from("-"), Some(ImportFormat::Jsonl), true)
    );
    let cli = Cli::try_parse_from(["scimd", "import", "--tenant", "acme", "users.csv"]).unwrap();
    let Some(Command::Import(args)) = cli.command else {
        panic!("expected import");
    };
    assert_eq!((args.format, args.dry_run), (None, false));
}

#[test]
fn bad_expiry_is_a_clear_error() {
    let err = Cli::try_parse_from([
        "scimd",
        "token",
        "issue",
        "--tenant",
        "a",
        "--expires-in",
        "soon",
    ])
    .unwrap_err();
    assert!(err.to_string().contains("try 90d"));
}

/// Every flag and positional argument says what it is for in `--help` (the issue's rule),
/// including the ones added later.
#[test]
fn every_argument_has_help_text() {
    fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            if arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&Cli::command(), "scimd", &mut missing);
    assert!(missing.is_empty(), "arguments without help: {missing:#?}");
}

#[test]
fn trusted_proxies_are_parsed_at_start_and_a_bad_one_names_the_setting() {
    let cli = Cli::try_parse_from(["scimd", "--trusted-proxies", "10.0.0.0/8,::1"]).unwrap();
    let proxies = cli.serve.trusted_proxies.unwrap();
    assert!(proxies.contains("10.1.2.3".parse().unwrap()));
    assert!(proxies.contains("::1".parse().unwrap()));
    let err = Cli::try_parse_from(["scimd", "--trusted-proxies", "10.0.0.0/33"]).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("SCIMD_TRUSTED_PROXIES"), "{text}");
    assert!(text.contains("10.0.0.0/33"), "{text}");
}
