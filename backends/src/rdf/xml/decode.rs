//! From the bytes of an XML body to text: UTF-8, UTF-16 with BOM, ISO-8859-1 and its kin.

/// Decode an XML body to text: UTF-8 (BOM stripped), UTF-16 with BOM, or ISO-8859-1 when the
/// declaration says so (the declaration is then rewritten to UTF-8). Anything else is decoded
/// lossily, with a warning.
pub(crate) fn decode_xml(body: &[u8], warnings: &mut Vec<String>) -> String {
    if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        let le = body[0] == 0xFF;
        let units: Vec<u16> = body[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        return rewrite_encoding_decl(String::from_utf16_lossy(&units));
    }
    match std::str::from_utf8(body) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
            if [
                "iso-8859-1",
                "latin1",
                "latin-1",
                "iso-8859-15",
                "windows-1252",
            ]
            .iter()
            .any(|e| head.contains(e))
            {
                let s: String = body.iter().map(|b| *b as char).collect();
                rewrite_encoding_decl(s)
            } else {
                warnings.push("body is not valid UTF-8: invalid bytes replaced".into());
                String::from_utf8_lossy(body).into_owned()
            }
        }
    }
}

fn rewrite_encoding_decl(s: String) -> String {
    if !s.starts_with("<?xml") {
        return s;
    }
    let Some(end) = s.find("?>") else {
        return s;
    };
    let decl = &s[..end];
    let Some(enc) = decl.find("encoding") else {
        return s;
    };
    let after = &decl[enc + 8..];
    let Some(q) = after.find(['"', '\'']) else {
        return s;
    };
    let quote = &after[q..q + 1];
    let Some(close) = after[q + 1..].find(quote) else {
        return s;
    };
    let value_start = enc + 8 + q + 1;
    let value_end = value_start + close;
    format!("{}UTF-8{}", &s[..value_start], &s[value_end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_is_transcoded() {
        let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>caf\xe9</r>";
        let s = decode_xml(body, &mut Vec::new());
        assert!(s.contains("café"));
        assert!(s.contains("encoding=\"UTF-8\""));
    }
}
