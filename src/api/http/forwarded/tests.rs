use std::net::{IpAddr, SocketAddr};

use actix_web::test::TestRequest;

use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn trusted(list: &str) -> TrustedProxies {
    list.parse().unwrap()
}

/// The origin of a request from `peer` (with port 4711) carrying `headers`, Host `scim.test`.
fn origin(peer: &str, proxies: &str, headers: &[(&str, &str)]) -> Origin {
    let mut req = TestRequest::default()
        .peer_addr(SocketAddr::new(ip(peer), 4711))
        .insert_header(("host", "scim.test"));
    for (name, value) in headers {
        req = req.append_header((*name, *value));
    }
    Origin::with(&req.to_http_request(), &trusted(proxies))
}

fn own(client: &str) -> Origin {
    Origin {
        scheme: "http".into(),
        host: "scim.test".into(),
        client_ip: Some(ip(client)),
    }
}

fn seen(scheme: &str, host: &str, client: &str) -> Origin {
    Origin {
        scheme: scheme.into(),
        host: host.into(),
        client_ip: Some(ip(client)),
    }
}

#[test]
fn trusted_proxies_are_cidrs_and_single_addresses_of_both_families() {
    let list = trusted(" 10.0.0.0/8, 127.0.0.1,::1 , fd00::/8,");
    for inside in [
        "10.255.0.1",
        "127.0.0.1",
        "::1",
        "fd12::7",
        "::ffff:10.1.2.3",
    ] {
        assert!(list.contains(ip(inside)), "{inside}");
    }
    for outside in ["11.0.0.1", "127.0.0.2", "::2", "fe80::1", "192.168.1.1"] {
        assert!(!list.contains(ip(outside)), "{outside}");
    }
    // Host bits set: the network is meant.
    assert!(trusted("10.1.2.3/8").contains(ip("10.200.0.1")));
    assert!(trusted("").is_empty());
    assert!(!trusted("").contains(ip("127.0.0.1")));
}

#[test]
fn a_bad_entry_is_an_error_naming_the_setting_and_the_entry() {
    for bad in [
        "10.0.0.0/33",
        "10.0.0.0/8,localhost",
        "::1/129",
        "10.0.0",
        "10.0.0.0/8;127.0.0.1",
    ] {
        let err = bad.parse::<TrustedProxies>().unwrap_err().to_string();
        assert!(err.starts_with("SCIMD_TRUSTED_PROXIES: "), "{bad}: {err}");
        assert!(err.contains("10.0.0.0/8,127.0.0.1,::1"), "{err}");
    }
    let err = "10.0.0.0/8,localhost"
        .parse::<TrustedProxies>()
        .unwrap_err();
    assert!(err.to_string().contains("\"localhost\""), "{err}");
}

#[test]
fn forwarded_elements_pairs_and_quoted_values() {
    let hops = parse::forwarded(
        r#"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";HOST="scim.example:8443" ;Proto=HTTPS"#,
    )
    .unwrap();
    assert_eq!(
        hops,
        [
            Hop {
                client: Some(ip("192.0.2.60")),
                host: None,
                proto: Some("http".into()),
            },
            Hop {
                client: Some(ip("2001:db8:cafe::17")),
                host: Some("scim.example:8443".into()),
                proto: Some("https".into()),
            },
        ]
    );
    // A comma or a semicolon inside quotes is no separator; escapes are undone.
    let hops = parse::forwarded(r#"for="_a,b;c";host="scim\.example""#).unwrap();
    assert_eq!(hops.len(), 1);
    assert_eq!(hops[0].client, None);
    assert_eq!(hops[0].host.as_deref(), Some("scim.example"));
    // Empty elements and pairs are allowed by the list rule.
    assert_eq!(parse::forwarded(",for=192.0.2.1;;, ").unwrap().len(), 1);
}

#[test]
fn a_malformed_forwarded_header_gives_nothing() {
    for bad in [
        r#"for="192.0.2.1"#,
        "for",
        "for=192.0.2.1;for=192.0.2.2",
        "host=a.example;HOST=b.example",
        "for=192.0.2.1 x",
        "for=",
    ] {
        assert_eq!(parse::forwarded(bad), None, "{bad}");
    }
}

#[test]
fn nodes_hosts_and_protos() {
    for (node, want) in [
        ("192.0.2.43", Some("192.0.2.43")),
        ("192.0.2.43:47011", Some("192.0.2.43")),
        ("[2001:db8::1]", Some("2001:db8::1")),
        ("[2001:db8::1]:4711", Some("2001:db8::1")),
        ("2001:db8::1", Some("2001:db8::1")),
        ("::ffff:192.0.2.1", Some("192.0.2.1")),
        ("[2001:db8::1]x", None),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
    ] {
        assert_eq!(parse::address(node), want.map(ip), "{node}");
    }
    assert_eq!(
        parse::host("scim.example:8443").as_deref(),
        Some("scim.example:8443")
    );
    assert_eq!(parse::host("[::1]:8080").as_deref(), Some("[::1]:8080"));
    for bad in ["", "evil.example/path", "user@evil.example", "a b", "évil"] {
        assert_eq!(parse::host(bad), None, "{bad}");
    }
    assert_eq!(parse::proto("HTTPS"), Some("https"));
    assert_eq!(parse::proto("javascript"), None);
}

#[test]
fn an_untrusted_peer_is_believed_nothing() {
    let forged = [
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9;host=evil.example;proto=https"),
    ];
    assert_eq!(origin("192.0.2.7", "", &forged), own("192.0.2.7"));
    assert_eq!(
        origin("192.0.2.7", "10.0.0.0/8,::1", &forged),
        own("192.0.2.7")
    );
}

#[test]
fn a_trusted_peer_is_believed_its_x_forwarded_headers() {
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("x-forwarded-host", "scim.example.com"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    );
    assert_eq!(got, seen("https", "scim.example.com", "203.0.113.9"));
}

#[test]
fn the_client_is_the_right_most_address_that_is_no_trusted_proxy() {
    let xff = |list| origin("10.0.0.5", "10.0.0.0/8", &[("x-forwarded-for", list)]);
    // The client forged the first entry; the proxies appended theirs.
    assert_eq!(
        xff("1.1.1.1, 203.0.113.9, 10.0.0.9").client_ip,
        Some(ip("203.0.113.9"))
    );
    // Every hop is trusted: the left-most is the client.
    assert_eq!(xff("10.0.0.7, 10.0.0.9").client_ip, Some(ip("10.0.0.7")));
    // An unreadable hop ends the walk at the last address known.
    assert_eq!(
        xff("203.0.113.9, unknown, 10.0.0.9").client_ip,
        Some(ip("10.0.0.9"))
    );
    // Two header lines are one list.
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-for", "10.0.0.9"),
        ],
    );
    assert_eq!(got.client_ip, Some(ip("203.0.113.9")));
}

#[test]
fn x_forwarded_host_and_proto_count_their_right_most_value() {
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("x-forwarded-host", "evil.example, scim.example.com"),
            ("x-forwarded-proto", "http,https"),
        ],
    );
    assert_eq!(got, seen("https", "scim.example.com", "10.0.0.5"));
    // Unusable values leave the request's own.
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("x-forwarded-host", "evil.example/phish"),
            ("x-forwarded-proto", "gopher"),
        ],
    );
    assert_eq!(got, own("10.0.0.5"));
}

#[test]
fn forwarded_host_and_proto_come_from_the_hop_facing_the_client() {
    // The edge proxy (10.0.0.9) recorded the public host; the inner one (the peer) its own.
    let chain = "for=203.0.113.9;host=scim.example.com;proto=https, \
                 for=10.0.0.9;host=internal:8080;proto=http";
    let got = origin("10.0.0.5", "10.0.0.0/8", &[("forwarded", chain)]);
    assert_eq!(got, seen("https", "scim.example.com", "203.0.113.9"));
    // A client's forged element lies left of every trusted one and is never reached.
    let forged = "for=10.0.0.1;host=evil.example;proto=http, \
                  for=203.0.113.9;host=scim.example.com;proto=https";
    let got = origin("10.0.0.5", "10.0.0.0/8", &[("forwarded", forged)]);
    assert_eq!(got, seen("https", "scim.example.com", "203.0.113.9"));
    // A field the outer hop lacks comes from the nearest hop to its right.
    let partial = "for=203.0.113.9;proto=https, for=10.0.0.9;host=scim.example.com";
    let got = origin("10.0.0.5", "10.0.0.0/8", &[("forwarded", partial)]);
    assert_eq!(got, seen("https", "scim.example.com", "203.0.113.9"));
}

#[test]
fn forwarded_is_read_alone_when_present() {
    // The proxy speaks Forwarded and set no host: a client's X-Forwarded-Host stays unread.
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("forwarded", "for=203.0.113.9;proto=https"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-for", "198.51.100.1"),
        ],
    );
    assert_eq!(got, seen("https", "scim.test", "203.0.113.9"));
    // A malformed Forwarded gives nothing, and still is not replaced by X-Forwarded-*.
    let got = origin(
        "10.0.0.5",
        "10.0.0.0/8",
        &[
            ("forwarded", "for=\"203.0.113.9"),
            ("x-forwarded-host", "evil.example"),
        ],
    );
    assert_eq!(got, own("10.0.0.5"));
}

#[test]
fn ipv6_peers_and_an_ipv4_peer_seen_on_a_dual_stack_socket() {
    let got = origin(
        "::1",
        "::1",
        &[(
            "forwarded",
            r#"for="[2001:db8::7]:443";host="[2001:db8::1]:8443""#,
        )],
    );
    assert_eq!(got, seen("http", "[2001:db8::1]:8443", "2001:db8::7"));
    let got = origin(
        "::ffff:127.0.0.1",
        "127.0.0.1",
        &[("x-forwarded-for", "203.0.113.9")],
    );
    assert_eq!(got.client_ip, Some(ip("203.0.113.9")));
}

#[test]
fn without_a_peer_or_a_host_header_the_connection_speaks_for_itself() {
    let req = TestRequest::default()
        .insert_header(("x-forwarded-host", "evil.example"))
        .to_http_request();
    let got = Origin::with(&req, &trusted("0.0.0.0/0,::/0"));
    assert_eq!(got.client_ip, None);
    assert_eq!(got.scheme, "http");
    assert_ne!(got.host, "evil.example");
}
