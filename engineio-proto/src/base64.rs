//! Standard base64 (RFC 4648 alphabet, `=` padding), as Engine.IO uses for binary
//! packets in text payloads (`b<base64>` in v4 polling, `b4<base64>` in v3).

use alloc::vec::Vec;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INVALID: u8 = 0xFF;
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Length of the padded base64 text for `len` input bytes.
pub const fn encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Appends the padded base64 encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(input.len()));
    let mut chunks = input.chunks_exact(3);
    for chunk in &mut chunks {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        out.extend_from_slice(&[
            ALPHABET[(n >> 18) as usize & 63],
            ALPHABET[(n >> 12) as usize & 63],
            ALPHABET[(n >> 6) as usize & 63],
            ALPHABET[n as usize & 63],
        ]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[ALPHABET[(n >> 18) as usize & 63], ALPHABET[(n >> 12) as usize & 63], b'=', b'=']);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[
                ALPHABET[(n >> 18) as usize & 63],
                ALPHABET[(n >> 12) as usize & 63],
                ALPHABET[(n >> 6) as usize & 63],
                b'=',
            ]);
        }
        _ => {}
    }
}

/// Where base64 text stopped making sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidBase64 {
    /// Offset of the offending character in the base64 text.
    pub offset: usize,
}

/// Decodes base64 text, with or without `=` padding (Node's `Buffer.from(s, "base64")`
/// accepts both, so we do too).
pub fn decode(input: &[u8]) -> Result<Vec<u8>, InvalidBase64> {
    let trimmed = match input {
        [rest @ .., b'=', b'='] => rest,
        [rest @ .., b'='] => rest,
        all => all,
    };
    if trimmed.len() % 4 == 1 {
        return Err(InvalidBase64 { offset: trimmed.len() - 1 });
    }
    let mut out = Vec::with_capacity(trimmed.len() / 4 * 3 + 2);
    let mut chunks = trimmed.chunks_exact(4);
    let mut offset = 0;
    let sextet = |byte: u8, at: usize| match DECODE[usize::from(byte)] {
        INVALID => Err(InvalidBase64 { offset: at }),
        value => Ok(u32::from(value)),
    };
    for chunk in &mut chunks {
        let n = (sextet(chunk[0], offset)? << 18)
            | (sextet(chunk[1], offset + 1)? << 12)
            | (sextet(chunk[2], offset + 2)? << 6)
            | sextet(chunk[3], offset + 3)?;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        offset += 4;
    }
    match *chunks.remainder() {
        [a, b] => {
            let n = (sextet(a, offset)? << 18) | (sextet(b, offset + 1)? << 12);
            out.push((n >> 16) as u8);
        }
        [a, b, c] => {
            let n = (sextet(a, offset)? << 18) | (sextet(b, offset + 1)? << 12) | (sextet(c, offset + 2)? << 6);
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_the_spec_example() {
        let mut out = Vec::new();
        encode_into(&[1, 2, 3, 4], &mut out);
        assert_eq!(out, b"AQIDBA==");
    }

    #[test]
    fn decodes_with_and_without_padding() {
        assert_eq!(decode(b"AQIDBA==").unwrap(), [1, 2, 3, 4]);
        assert_eq!(decode(b"AQIDBA").unwrap(), [1, 2, 3, 4]);
    }

    #[test]
    fn rejects_characters_outside_the_alphabet_with_their_offset() {
        assert_eq!(decode(b"AQ*D"), Err(InvalidBase64 { offset: 2 }));
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut text = Vec::new();
            encode_into(&bytes, &mut text);
            prop_assert_eq!(text.len(), encoded_len(bytes.len()));
            prop_assert_eq!(decode(&text).unwrap(), bytes);
        }

        #[test]
        fn never_panics_on_any_text(text in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&text);
        }
    }
}
