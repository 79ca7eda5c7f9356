//! Compression bombs: real deflate streams (one fixed-Huffman block of 258-byte back-references
//! to a zero byte: about 160:1), wrapped as gzip and zlib, built without a compression library.

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    /// `n` bits of `value`, least significant first (deflate header fields).
    fn bits(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.bits;
        self.bits += n;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// A Huffman code of `len` bits, most significant first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.bits(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw deflate stream (one fixed-Huffman block) of `1 + 258 × matches` zero bytes; returns the
/// stream and the decompressed length.
pub fn deflate_zeros(matches: usize) -> (Vec<u8>, u64) {
    let mut w = BitWriter {
        out: Vec::with_capacity(matches * 13 / 8 + 16),
        acc: 0,
        bits: 0,
    };
    w.bits(1, 1); // BFINAL
    w.bits(1, 2); // BTYPE = fixed Huffman
    w.code(0x30, 8); // literal 0x00
    for _ in 0..matches {
        w.code(0xC5, 8); // length code 285: 258 bytes
        w.code(0, 5); // distance code 0: distance 1
    }
    w.code(0, 7); // end of block
    (w.finish(), 1 + 258 * matches as u64)
}

fn crc32_zeros(len: u64) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    let mut crc = !0u32;
    for _ in 0..len {
        crc = table[(crc & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// The deflate stream as a gzip member.
pub fn gzip_wrap(raw: &[u8], len: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(raw);
    out.extend_from_slice(&crc32_zeros(len).to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

/// The deflate stream as a zlib stream (what HTTP `deflate` means).
pub fn zlib_wrap(raw: &[u8], len: u64) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(raw);
    let adler = (((len % 65_521) as u32) << 16) | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}
