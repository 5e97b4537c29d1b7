//! The catalogue of TLS-inspection CAs (`catalogue.json`, committed data with the source of every
//! entry) and matching on distinguished-name attributes rather than CN substrings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::MitmError;

/// The built-in catalogue, compiled in so the binary needs no data files.
pub const BUILTIN_JSON: &str = include_str!("catalogue.json");

/// One product whose CA re-signs server certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable id (`mitmproxy`, `zscaler`, ...).
    pub id: String,
    /// Product name.
    pub product: String,
    /// Vendor.
    pub vendor: String,
    /// `debugging_proxy`, `enterprise_gateway`, `antivirus`, `adware`.
    pub kind: String,
    /// Alternative rules; each maps an attribute (`CN`, `O`, `OU`, `C`, `L`, `ST`) to a pattern.
    #[serde(rename = "match")]
    pub rules: Vec<BTreeMap<String, String>>,
    /// `verified`, `observed` or `reported` (see the catalogue's `about`).
    pub confidence: String,
    /// Where the CA name comes from.
    pub source: String,
    /// Issuer DNs seen in the wild, as `[attribute, value]` pairs (checked by the unit tests).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Vec<(String, String)>>,
}

/// The catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Format version (1).
    pub schema: u32,
    /// What the file is and how rules match.
    #[serde(default)]
    pub about: String,
    /// Products.
    pub entries: Vec<Entry>,
}

impl Catalogue {
    /// The catalogue shipped with tlsight.
    pub fn builtin() -> Result<Self, MitmError> {
        Self::from_json(BUILTIN_JSON, "built-in catalogue")
    }

    /// Parses a catalogue; every rule must name at least one attribute we know.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, MitmError> {
        let cat: Self = serde_json::from_str(text).map_err(|e| MitmError::Catalogue {
            origin: origin.to_string(),
            detail: e.to_string(),
        })?;
        for e in &cat.entries {
            if e.rules.is_empty() {
                return Err(MitmError::Catalogue {
                    origin: origin.to_string(),
                    detail: format!("entry '{}' has no match rule", e.id),
                });
            }
            for r in &e.rules {
                if let Some(bad) = r.values().find(|v| !pattern_supported(v)) {
                    return Err(MitmError::Catalogue {
                        origin: origin.to_string(),
                        detail: format!(
                            "entry '{}': pattern {bad:?} has '*' where only exact, 'prefix*', '*suffix', '*substring*' or one inner '*' are supported",
                            e.id
                        ),
                    });
                }
                if r.is_empty() || r.keys().any(|k| attribute_oid(k).is_none()) {
                    return Err(MitmError::Catalogue {
                        origin: origin.to_string(),
                        detail: format!(
                            "entry '{}': a rule must name attributes among CN, O, OU, C, L, ST, emailAddress; got {:?}",
                            e.id,
                            r.keys().collect::<Vec<_>>()
                        ),
                    });
                }
            }
        }
        Ok(cat)
    }
}

/// A catalogue entry that matched a name in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueMatch {
    /// Entry id.
    pub id: String,
    /// Product.
    pub product: String,
    /// Vendor.
    pub vendor: String,
    /// Entry kind.
    pub kind: String,
    /// Entry confidence.
    pub confidence: String,
    /// Entry source.
    pub source: String,
    /// Position of the certificate in the chain as sent (0 = leaf).
    pub certificate: usize,
    /// `issuer` or `subject`.
    pub field: String,
    /// The distinguished name that matched.
    pub name: String,
    /// The rule that matched, as `ATTR=pattern` pairs.
    pub rule: String,
}

fn attribute_oid(short: &str) -> Option<&'static str> {
    Some(match short {
        "CN" => "2.5.4.3",
        "O" => "2.5.4.10",
        "OU" => "2.5.4.11",
        "C" => "2.5.4.6",
        "L" => "2.5.4.7",
        "ST" => "2.5.4.8",
        "emailAddress" => "1.2.840.113549.1.9.1",
        _ => return None,
    })
}

/// The attribute values of a name, by OID (string-typed values only).
fn attributes(name: &X509Name<'_>) -> Vec<(String, String)> {
    name.iter_attributes()
        .filter_map(|a| {
            let v = a
                .as_str()
                .map(str::to_string)
                .ok()
                .or_else(|| bmp_string(a.attr_value().data))?;
            Some((a.attr_type().to_id_string(), v))
        })
        .collect()
}

/// BMPString (UTF-16BE) values, which `as_str` does not read; some Windows-made CAs use them.
fn bmp_string(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(2) || data.is_empty() {
        return None;
    }
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// The wildcard forms [`pattern_matches`] understands.
fn pattern_supported(p: &str) -> bool {
    let p = p.trim();
    let stars = p.matches('*').count();
    match stars {
        0 => !p.is_empty(),
        1 => p.len() > 1,
        2 => p.len() > 2 && p.starts_with('*') && p.ends_with('*'),
        _ => false,
    }
}

/// `pattern` against `value`, case-insensitively: exact, `prefix*`, or `*substring*`.
fn pattern_matches(pattern: &str, value: &str) -> bool {
    let p = pattern.trim().to_lowercase();
    let v = value.trim().to_lowercase();
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(_), Some(_)) if p.len() >= 2 => v.contains(&p[1..p.len() - 1]),
        (None, Some(prefix)) => v.starts_with(prefix),
        (Some(suffix), None) => v.ends_with(suffix),
        _ => {
            // `ca.*.goskope.com`-style: one inner wildcard.
            if let Some((a, b)) = p.split_once('*') {
                v.len() >= a.len() + b.len() && v.starts_with(a) && v.ends_with(b)
            } else {
                v == p
            }
        }
    }
}

fn rule_matches(rule: &BTreeMap<String, String>, attrs: &[(String, String)]) -> bool {
    rule.iter().all(|(short, pattern)| {
        let Some(oid) = attribute_oid(short) else {
            return false;
        };
        attrs
            .iter()
            .any(|(o, v)| o == oid && pattern_matches(pattern, v))
    })
}

fn rule_text(rule: &BTreeMap<String, String>) -> String {
    rule.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks every certificate's issuer up, and the subject of every CA certificate (a leaf's own
/// subject is the site's name, not an interception CA's).
pub fn match_chain(catalogue: &Catalogue, chain: &[impl AsRef<[u8]>]) -> Vec<CatalogueMatch> {
    let mut out: Vec<CatalogueMatch> = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        let Ok((_, cert)) = X509Certificate::from_der(der.as_ref()) else {
            continue;
        };
        let tbs = &cert.tbs_certificate;
        let is_ca = tbs
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|b| b.value.ca);
        let mut names = vec![("issuer", &tbs.issuer)];
        if is_ca && i > 0 {
            names.push(("subject", &tbs.subject));
        }
        for (field, name) in names {
            let attrs = attributes(name);
            for e in &catalogue.entries {
                if let Some(rule) = e.rules.iter().find(|r| rule_matches(r, &attrs)) {
                    // One finding per product and certificate is enough evidence.
                    if out.iter().any(|m| m.id == e.id && m.certificate == i) {
                        continue;
                    }
                    out.push(CatalogueMatch {
                        id: e.id.clone(),
                        product: e.product.clone(),
                        vendor: e.vendor.clone(),
                        kind: e.kind.clone(),
                        confidence: e.confidence.clone(),
                        source: e.source.clone(),
                        certificate: i,
                        field: field.to_string(),
                        name: crate::x509::parse::name_string(name),
                        rule: rule_text(rule),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses_and_every_entry_has_a_source() {
        let c = Catalogue::builtin().unwrap();
        assert!(c.entries.len() >= 15);
        for e in &c.entries {
            assert!(!e.source.trim().is_empty(), "{}", e.id);
            assert!(
                ["verified", "observed", "reported"].contains(&e.confidence.as_str()),
                "{}",
                e.id
            );
        }
        for id in [
            "mitmproxy",
            "burp",
            "charles",
            "fiddler",
            "zscaler",
            "fortigate",
            "paloalto",
            "bluecoat",
            "cisco-umbrella",
            "netskope",
            "sophos",
            "kaspersky",
            "avast",
            "avg",
            "eset",
            "bitdefender",
        ] {
            assert!(c.entries.iter().any(|e| e.id == id), "{id} missing");
        }
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("mitmproxy", "MITMProxy"));
        assert!(!pattern_matches("mitmproxy", "mitmproxy2"));
        assert!(pattern_matches(
            "Charles Proxy*",
            "Charles Proxy CA (1 Jan 2020, host)"
        ));
        assert!(pattern_matches("*Kaspersky*", "AO Kaspersky Lab"));
        assert!(pattern_matches("ca.*.goskope.com", "ca.acme.goskope.com"));
        assert!(!pattern_matches("ca.*.goskope.com", "ca.goskope.org"));
        for ok in ["a", "a*", "*a", "*a*", "a*b"] {
            assert!(pattern_supported(ok), "{ok}");
        }
        for bad in ["", "*", "**", "*a*b*", "a**", "a*b*"] {
            assert!(!pattern_supported(bad), "{bad}");
        }
    }

    #[test]
    fn bad_catalogues_are_refused_with_the_reason() {
        let e = Catalogue::from_json(r#"{"schema":1,"entries":[{"id":"x","product":"x","vendor":"x","kind":"x","match":[{"XX":"y"}],"confidence":"reported","source":"s"}]}"#, "t").unwrap_err();
        assert!(e.to_string().contains("CN, O"), "{e}");
        let e = Catalogue::from_json(r#"{"schema":1,"entries":[{"id":"x","product":"x","vendor":"x","kind":"x","match":[{"CN":"*a*b*"}],"confidence":"reported","source":"s"}]}"#, "t").unwrap_err();
        assert!(e.to_string().contains("\"*a*b*\""), "{e}");
        assert!(Catalogue::from_json("{", "t").is_err());
    }

    fn cert(subject: &[(rcgen::DnType, &str)], ca: bool) -> (rcgen::Certificate, rcgen::KeyPair) {
        let mut p = rcgen::CertificateParams::new(vec!["example.test".to_string()]).unwrap();
        p.distinguished_name = rcgen::DistinguishedName::new();
        for (t, v) in subject {
            p.distinguished_name.push(t.clone(), *v);
        }
        if ca {
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let k = rcgen::KeyPair::generate().unwrap();
        (p.self_signed(&k).unwrap(), k)
    }

    fn dn_type(short: &str) -> rcgen::DnType {
        use rcgen::DnType::*;
        match short {
            "CN" => CommonName,
            "O" => OrganizationName,
            "OU" => OrganizationalUnitName,
            "C" => CountryName,
            "L" => LocalityName,
            "ST" => StateOrProvinceName,
            "emailAddress" => CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
            other => panic!("unknown attribute {other}"),
        }
    }

    #[test]
    fn every_example_dn_matches_its_own_entry_and_no_other() {
        let c = Catalogue::builtin().unwrap();
        let mut checked = 0;
        for e in &c.entries {
            for example in &e.examples {
                let attrs: Vec<(rcgen::DnType, &str)> = example
                    .iter()
                    .map(|(k, v)| (dn_type(k), v.as_str()))
                    .collect();
                let (ca, _) = cert(&attrs, true);
                let ids: Vec<String> = match_chain(&c, &[ca.der().to_vec()])
                    .into_iter()
                    .map(|m| m.id)
                    .collect();
                assert_eq!(ids, vec![e.id.clone()], "example {example:?}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "{checked}");
        // Every entry whose confidence says a DN was seen carries one.
        for e in &c.entries {
            if e.confidence != "reported" {
                assert!(!e.examples.is_empty(), "{} has no example DN", e.id);
            }
        }
    }

    #[test]
    fn no_mozilla_root_matches_the_catalogue() {
        let c = Catalogue::builtin().unwrap();
        let roots: Vec<Vec<u8>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|d| d.as_ref().to_vec())
            .collect();
        assert!(roots.len() > 100);
        for r in &roots {
            let m = match_chain(&c, std::slice::from_ref(r));
            assert!(m.is_empty(), "{m:?}");
        }
    }

    #[test]
    fn matches_issuer_attributes_not_the_leaf_subject() {
        use rcgen::DnType::*;
        let c = Catalogue::builtin().unwrap();
        // A self-signed "mitmproxy" CA: its issuer matches.
        let (ca, _) = cert(
            &[(CommonName, "mitmproxy"), (OrganizationName, "mitmproxy")],
            true,
        );
        let m = match_chain(&c, &[ca.der().to_vec()]);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].id, "mitmproxy");
        assert_eq!(m[0].field, "issuer");
        // Only the CN, not the O: the rule needs both.
        let (half, _) = cert(&[(CommonName, "mitmproxy")], true);
        assert!(match_chain(&c, &[half.der().to_vec()]).is_empty());
        // Zscaler's own site certificate (leaf subject O=Zscaler Inc.) issued by someone else.
        let issuer = rcgen::KeyPair::generate().unwrap();
        let mut ip = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ip.distinguished_name = rcgen::DistinguishedName::new();
        ip.distinguished_name.push(CommonName, "Public CA");
        ip.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let issuer_obj = rcgen::Issuer::new(ip, issuer);
        let mut lp = rcgen::CertificateParams::new(vec!["www.zscaler.test".to_string()]).unwrap();
        lp.distinguished_name = rcgen::DistinguishedName::new();
        lp.distinguished_name.push(OrganizationName, "Zscaler Inc.");
        let lk = rcgen::KeyPair::generate().unwrap();
        let leaf = lp.signed_by(&lk, &issuer_obj).unwrap();
        assert!(match_chain(&c, &[leaf.der().to_vec()]).is_empty());
    }
}
