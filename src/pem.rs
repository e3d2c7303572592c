//! A forgiving PEM reader for text people paste: it skips prose before and between blocks
//! (as `openssl req -text` writes), accepts CRLF, stray spaces and tabs, and reports the labels
//! it saw so that a wrong file gets a precise message.

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

/// One `-----BEGIN label----- ... -----END label-----` block.
pub(crate) struct Block<'a> {
    pub(crate) label: &'a str,
    /// Lines with `Name: value` before the body (RFC 1421 `Proc-Type`, `DEK-Info`).
    pub(crate) has_headers: bool,
    pub(crate) body: &'a str,
}

/// Why a PEM block could not be read (a BEGIN line without its END line, a body that is not
/// Base64), in words.
pub(crate) struct PemError(pub(crate) String);

/// Every complete block in `text`, in order. An unterminated block stops the scan with an error.
pub(crate) fn blocks(text: &str) -> Result<Vec<Block<'_>>, PemError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err(PemError("BEGIN line is not closed by -----".into()));
        };
        let label = after[..label_end].trim();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(PemError(format!(
                "no \"-----END {label}-----\" line (the text may be cut off)"
            )));
        };
        let raw_body = &body_start[..end];
        let (has_headers, body) = split_headers(raw_body);
        out.push(Block {
            label,
            has_headers,
            body,
        });
        rest = &body_start[end + end_marker.len()..];
    }
    Ok(out)
}

fn split_headers(raw: &str) -> (bool, &str) {
    // RFC 1421 headers end at the first empty line; a header line holds a colon.
    let first_line = raw.trim_start().lines().next().unwrap_or("");
    if !first_line.contains(':') {
        return (false, raw);
    }
    let normalised_end = raw
        .find("\n\n")
        .map(|i| i + 2)
        .or_else(|| raw.find("\r\n\r\n").map(|i| i + 4));
    match normalised_end {
        Some(i) => (true, &raw[i..]),
        None => (true, ""),
    }
}

/// Decodes a Base64 body, ignoring every kind of whitespace in it. The body may be a private
/// key: the compacted Base64 and the bytes are wiped when dropped.
pub(crate) fn decode_body(body: &str, cap: usize) -> Result<Zeroizing<Vec<u8>>, PemError> {
    let compact: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    if compact.len() / 4 * 3 > cap {
        return Err(PemError(format!(
            "the block decodes to more than {cap} bytes"
        )));
    }
    Base64::decode_vec(&compact)
        .map(Zeroizing::new)
        .map_err(|e| PemError(e.to_string()))
}

/// Decodes text that is only Base64 (a PEM body pasted without its BEGIN/END lines).
pub(crate) fn decode_bare_base64(text: &str, cap: usize) -> Option<Zeroizing<Vec<u8>>> {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    if text.trim().is_empty() || !text.chars().all(|c| c.is_whitespace() || is_b64(c)) {
        return None;
    }
    decode_body(text, cap).ok()
}

/// PEM-encodes `der` with 64-column lines and LF endings. `der` may be a private key: the
/// Base64 in between is wiped, and the output is allocated once at its final size (so no
/// copy is left behind by a reallocation; the caller wraps it as the secret it is).
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(Base64::encode_string(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_after_prose_and_with_crlf() {
        let text = "Certificate Request:\r\n  Data: ...\r\n-----BEGIN CERTIFICATE REQUEST-----\r\nTWFu\r\n -----END CERTIFICATE REQUEST-----\r\n";
        let found = blocks(text).ok().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].label, "CERTIFICATE REQUEST");
        assert_eq!(
            decode_body(found[0].body, 100).ok().unwrap().as_slice(),
            b"Man"
        );
    }

    #[test]
    fn unterminated_block_is_reported() {
        let err = blocks("-----BEGIN CERTIFICATE REQUEST-----\nTWFu\n")
            .err()
            .unwrap();
        assert!(err.0.contains("END CERTIFICATE REQUEST"), "{}", err.0);
    }

    #[test]
    fn encode_round_trips() {
        let data: Vec<u8> = (0..=255).collect();
        let pem = encode("TEST", &data);
        let found = blocks(&pem).ok().unwrap();
        assert_eq!(*decode_body(found[0].body, 1000).ok().unwrap(), data);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
    }
}
