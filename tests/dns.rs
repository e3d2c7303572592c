//! The hickory resolver against a real DNS server on loopback: TXT values joined, CNAME chains
//! followed to a bound, absent names and records told apart, timeouts, and records created and
//! deleted through the provider.

#![cfg(feature = "dns")]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use certdesk::backend::{
    DnsProvider, DnsRecord, DnsResolver, HickoryResolver, LoopbackDnsServer, MAX_CNAME_CHAIN, Scope,
};

/// The account that owns the test zones.
fn admin() -> Scope {
    Scope::new("dns-admin", "ap-guangzhou")
}

async fn setup() -> (LoopbackDnsServer, HickoryResolver) {
    let server = LoopbackDnsServer::start().await.unwrap();
    for zone in ["example.com", "example.net", "example.org"] {
        server.add_zone(zone, &admin().account).unwrap();
    }
    let resolver = HickoryResolver::with_servers(&[server.addr()], Duration::from_secs(2)).unwrap();
    (server, resolver)
}

#[tokio::test]
async fn txt_values_are_joined_and_all_returned() {
    let (server, resolver) = setup().await;
    let long = "a".repeat(300); // more than one 255-byte character-string
    server
        .add_txt_chunked("_dnsauth.example.com", &long, 255)
        .unwrap();
    server
        .add_txt_chunked("_dnsauth.example.com", "second-value", 4)
        .unwrap();
    let mut values = resolver.txt("_dnsauth.EXAMPLE.com.").await.unwrap();
    values.sort();
    assert_eq!(values, [long, "second-value".to_owned()]);
}

#[tokio::test]
async fn absent_names_and_records_are_told_apart() {
    let (server, resolver) = setup().await;
    server
        .add_ip("www.example.com", "192.0.2.10".parse().unwrap())
        .unwrap();
    let e = resolver.txt("nothing.example.com").await.unwrap_err();
    assert_eq!(e.code(), "dns.no_such_name");
    let e = resolver.txt("www.example.com").await.unwrap_err();
    assert_eq!(e.code(), "dns.no_records", "{e}");
    assert!(e.is_absent());
    assert_eq!(
        resolver.ips("www.example.com").await.unwrap(),
        ["192.0.2.10".parse::<IpAddr>().unwrap()]
    );
    let e = resolver.txt("bad name!.example.com").await.unwrap_err();
    assert_eq!(e.code(), "dns.bad_name");
}

#[tokio::test]
async fn cname_chains_are_followed_to_a_bound() {
    let (server, resolver) = setup().await;
    let link = |from: &str, to: &str| DnsRecord::Cname {
        name: from.into(),
        target: to.into(),
    };
    server
        .create(&admin(), &link("_dnsauth.example.com", "a.dcv.example.net"))
        .await
        .unwrap();
    server
        .create(&admin(), &link("a.dcv.example.net", "b.dcv.example.net"))
        .await
        .unwrap();
    assert_eq!(
        resolver.cname_chain("_dnsauth.example.com").await.unwrap(),
        ["a.dcv.example.net", "b.dcv.example.net"]
    );
    // A loop, and a chain longer than the bound.
    server
        .create(&admin(), &link("x.example.org", "y.example.org"))
        .await
        .unwrap();
    server
        .create(&admin(), &link("y.example.org", "x.example.org"))
        .await
        .unwrap();
    assert_eq!(
        resolver
            .cname_chain("x.example.org")
            .await
            .unwrap_err()
            .code(),
        "dns.chain_too_long"
    );
    for i in 0..=MAX_CNAME_CHAIN + 1 {
        server
            .create(
                &admin(),
                &link(
                    &format!("c{i}.example.org"),
                    &format!("c{}.example.org", i + 1),
                ),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        resolver
            .cname_chain("c0.example.org")
            .await
            .unwrap_err()
            .code(),
        "dns.chain_too_long"
    );
    assert_eq!(
        resolver
            .cname_chain("plain.example.org")
            .await
            .unwrap_err()
            .code(),
        "dns.no_such_name"
    );
}

#[tokio::test]
async fn records_created_and_deleted_through_the_provider() {
    let (server, resolver) = setup().await;
    let record = DnsRecord::Txt {
        name: "_dnsauth.shop.example.com".into(),
        value: "token-123".into(),
    };
    server.create(&admin(), &record).await.unwrap();
    server.create(&admin(), &record).await.unwrap(); // twice is once
    assert_eq!(
        resolver.txt("_dnsauth.shop.example.com").await.unwrap(),
        ["token-123"]
    );
    server.delete(&admin(), &record).await.unwrap();
    assert!(
        resolver
            .txt("_dnsauth.shop.example.com")
            .await
            .unwrap_err()
            .is_absent()
    );
    server.delete(&admin(), &record).await.unwrap(); // deleting what is not there is no change
}

#[tokio::test]
async fn a_silent_server_times_out_in_bounded_time() {
    // A UDP socket that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let resolver =
        HickoryResolver::with_servers(&[silent.local_addr().unwrap()], Duration::from_millis(300))
            .unwrap();
    let started = Instant::now();
    let e = resolver.txt("example.com").await.unwrap_err();
    assert!(
        matches!(e.code().as_str(), "dns.timeout" | "dns.backend"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_provider_writes_and_deletes_only_for_the_zones_owner() {
    let (server, resolver) = setup().await;
    let mallory = Scope::new("mallory", "ap-guangzhou");
    let record = DnsRecord::Txt {
        name: "_dnsauth.shop.example.com".into(),
        value: "mallory-was-here".into(),
    };
    let e = server.create(&mallory, &record).await.unwrap_err();
    assert_eq!(e.code(), "dns.zone_not_owned", "{e}");
    assert!(resolver.txt(record.name()).await.unwrap_err().is_absent());
    // The owner's record cannot be deleted by another account either.
    server.create(&admin(), &record).await.unwrap();
    assert_eq!(
        server.delete(&mallory, &record).await.unwrap_err().code(),
        "dns.zone_not_owned"
    );
    assert_eq!(
        resolver.txt(record.name()).await.unwrap(),
        ["mallory-was-here"]
    );
    // A zone given to a sub-domain's owner takes that sub-tree (the closest zone decides).
    server.add_zone("team.example.com", "mallory").unwrap();
    let team = DnsRecord::Txt {
        name: "_dnsauth.app.team.example.com".into(),
        value: "ok".into(),
    };
    server.create(&mallory, &team).await.unwrap();
    assert_eq!(
        server.create(&admin(), &team).await.unwrap_err().code(),
        "dns.zone_not_owned"
    );
}
