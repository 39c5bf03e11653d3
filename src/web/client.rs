//! Who the client is. Behind a reverse proxy every connection comes from
//! the proxy, so per-client limits would treat the whole district as one
//! client. When — and only when — the connection comes from a proxy the
//! administrator named (`--trusted-proxies`), the client's address is
//! taken from what the proxy says: `Forwarded` (RFC 7239) or else
//! `X-Forwarded-For`, the right-most address there that is not itself a
//! trusted proxy. From anyone else those headers are ignored, so a client
//! cannot write its way past a limit.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

use super::AppState;

/// The client's address of a request, as the submission limit, the login
/// throttle and the request log see it.
pub fn address(req: &HttpRequest) -> IpAddr {
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.settings.trusted_proxies.as_slice())
        .unwrap_or_default();
    decide(peer, req.headers(), trusted)
}

/// The client's address, from the TCP peer and the proxy headers.
pub fn decide(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let unknown = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let Some(peer) = peer else {
        return unknown;
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // The hops the proxies recorded, nearest last.
    let hops = forwarded_for(headers).or_else(|| x_forwarded_for(headers));
    let Some(hops) = hops else {
        return peer;
    };
    // Walk back from the nearest hop past the trusted proxies; the first
    // other one is the client. A hop that is not an address (`unknown`, an
    // obfuscated name) ends the walk at the last proxy that vouched.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            Some(ip) if is_trusted(ip) => client = *ip,
            Some(ip) => return *ip,
            None => return client,
        }
    }
    client
}

/// The `for=` addresses of every `Forwarded` header, in order; `None` for
/// one that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("forwarded") {
        let text = value.to_str().ok()?;
        for element in text.split(',') {
            let Some(node) = element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then_some(value.trim())
            }) else {
                continue;
            };
            hops.push(node_address(node.trim_matches('"')));
        }
    }
    (!hops.is_empty()).then_some(hops)
}

/// The addresses of every `X-Forwarded-For` header, in order.
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        hops.extend(text.split(',').map(|h| node_address(h.trim())));
    }
    (!hops.is_empty()).then_some(hops)
}

/// An address as a proxy writes it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]`,
/// `[::1]:5678` or a bare IPv6 address.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| {
        let (host, port) = node.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("a net")).collect()
    }

    #[test]
    fn headers_count_only_from_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let trusted = nets(&["127.0.0.1/32"]);
        // A client that sends the header itself changes nothing.
        assert_eq!(
            decide(Some(ip("198.51.100.7")), &h, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            decide(Some(ip("198.51.100.7")), &h, &[]),
            ip("198.51.100.7")
        );
        // The proxy's word is taken.
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &h, &trusted),
            ip("203.0.113.9")
        );
        // No header from the proxy: the proxy itself.
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &headers(&[]), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(decide(None, &h, &trusted), ip("0.0.0.0"));
    }

    #[test]
    fn the_right_most_address_that_is_not_a_proxy_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // A client forged the first entry; the proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &h, &trusted),
            ip("203.0.113.9")
        );
        // Two headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9, 10.0.0.2"),
        ]);
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &h, &trusted),
            ip("203.0.113.9")
        );
        // Every hop trusted: the farthest of them.
        let h = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.2")]);
        assert_eq!(decide(Some(ip("127.0.0.1")), &h, &trusted), ip("10.0.0.5"));
        // Not an address: the last proxy that vouched.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 10.0.0.2")]);
        assert_eq!(decide(Some(ip("127.0.0.1")), &h, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_comes_first_and_reads_every_form_of_address() {
        let trusted = nets(&["127.0.0.1/32", "::1/128"]);
        let h = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=https;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            decide(Some(ip("::1")), &h, &trusted),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[
            ("forwarded", "for=\"192.0.2.60:8080\""),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &h, &trusted),
            ip("192.0.2.60")
        );
        let h = headers(&[
            ("forwarded", "for=_hidden"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(decide(Some(ip("127.0.0.1")), &h, &trusted), ip("127.0.0.1"));
        // A Forwarded header without `for` leaves X-Forwarded-For to speak.
        let h = headers(&[
            ("forwarded", "proto=https"),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            decide(Some(ip("127.0.0.1")), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(node_address("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(node_address("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(node_address("garbage:80"), None);
    }
}
