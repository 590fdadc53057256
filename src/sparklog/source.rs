//! Opening an event log in any form Apache Spark writes one, as a stream of text lines.
//!
//! Spark's `EventLogFileWriters` write either one file (`app-…`, `local-…`, with `.inprogress`
//! while the application runs and a codec suffix when `spark.eventLog.compress` is on) or, with
//! `spark.eventLog.rolling.enabled`, a directory `eventlog_v2_<app>` of `events_<N>_<app>` files
//! (read in order of `N`) beside an `appstatus_<app>` marker. The codecs are Spark's
//! `CompressionCodec`s, each with its library's own stream framing: zstd (standard frames),
//! lz4 (lz4-java's `LZ4BlockOutputStream`: `LZ4Block` blocks) and snappy (snappy-java's
//! `SnappyOutputStream`: a `\x82SNAPPY\0` header, then length-prefixed raw blocks). This module
//! only turns bytes into a [`BufRead`]; what the lines mean is [`super::import`]'s.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What can go wrong opening a log.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A file could not be opened or read.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// A directory that is not a rolling event log.
    #[error("{path}: a directory, but not a rolling Spark event log (no events_N_… files in it)")]
    NotRolling { path: PathBuf },
}

/// The compression a log file is written with, read off its name (Spark's short codec names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    None,
    Zstd,
    Lz4,
    Snappy,
    Lzf,
}

impl Codec {
    /// The codec of the file at `path`, by its suffix (before any `.inprogress`).
    pub fn of(path: &Path) -> Codec {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = name.strip_suffix(".inprogress").unwrap_or(&name);
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("zstd") | Some("zst") => Codec::Zstd,
            Some("lz4") => Codec::Lz4,
            Some("snappy") => Codec::Snappy,
            Some("lzf") => Codec::Lzf,
            _ => Codec::None,
        }
    }
}

/// One log opened: its lines, and the files they come from.
pub struct Opened {
    pub reader: Box<dyn BufRead + Send>,
    /// The files read, in order (one, or a rolling log's event files).
    pub files: Vec<PathBuf>,
}

/// Opens the log at `path`: a file (plain or compressed) or a rolling log's directory.
pub fn open(path: &Path) -> Result<Opened, SourceError> {
    let files = if path.is_dir() {
        rolling_files(path)?
    } else {
        vec![path.to_path_buf()]
    };
    let mut readers: Vec<Box<dyn Read + Send>> = Vec::with_capacity(files.len());
    for f in &files {
        readers.push(open_file(f)?);
    }
    let chained = readers
        .into_iter()
        .reduce(|a, b| Box::new(a.chain(b)))
        .unwrap_or_else(|| Box::new(std::io::empty()));
    Ok(Opened {
        reader: Box::new(BufReader::with_capacity(1 << 16, chained)),
        files,
    })
}

/// A rolling log's event files, in order of their index (`events_1_…`, `events_2_…`, …).
pub fn rolling_files(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let io = |error| SourceError::Io {
        path: dir.to_path_buf(),
        error,
    };
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("events_") else {
            continue;
        };
        if name.ends_with(".crc") {
            continue;
        }
        let Some(index) = rest.split('_').next().and_then(|n| n.parse().ok()) else {
            continue;
        };
        files.push((index, entry.path()));
    }
    if files.is_empty() {
        return Err(SourceError::NotRolling {
            path: dir.to_path_buf(),
        });
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

/// Whether `dir` is a rolling event log's directory.
pub fn is_rolling_log(dir: &Path) -> bool {
    dir.is_dir() && rolling_files(dir).is_ok()
}

fn open_file(path: &Path) -> Result<Box<dyn Read + Send>, SourceError> {
    let file = File::open(path).map_err(|error| SourceError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let raw = BufReader::with_capacity(1 << 16, file);
    Ok(match Codec::of(path) {
        // libzstd's streaming decoder: frames one after another, and everything decoded so far
        // handed on before a stream cut short fails.
        Codec::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(raw).map_err(|error| SourceError::Io {
                path: path.to_path_buf(),
                error,
            })?,
        ),
        Codec::Lz4 => Box::new(Lz4Blocks::new(raw)),
        Codec::Snappy => Box::new(SnappyBlocks::new(raw)),
        Codec::None => Box::new(raw),
        Codec::Lzf => {
            return Err(SourceError::Io {
                path: path.to_path_buf(),
                error: std::io::Error::other(
                    "an lzf-compressed log, which ember does not read: give Spark's zstd, lz4 or snappy, or decompress it",
                ),
            })
        }
    })
}

/// The largest block a codec's framing may declare (lz4-java's and snappy-java's are at most
/// 32 MiB): a larger length is damage, not a block to allocate.
const MAX_BLOCK: usize = 64 << 20;

fn invalid(what: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.into())
}

/// Decodes blocks one at a time into `out`; `next` fills it with the next block's bytes.
trait Blocks {
    fn next_block(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool>;
}

/// A [`Read`] over a codec's blocks.
struct BlockReader<B: Blocks> {
    blocks: B,
    buf: Vec<u8>,
    at: usize,
    done: bool,
}

impl<B: Blocks> Read for BlockReader<B> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buf.len() {
            if self.done {
                return Ok(0);
            }
            self.buf.clear();
            self.at = 0;
            if !self.blocks.next_block(&mut self.buf)? {
                self.done = true;
            }
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Reads exactly `buf.len()` bytes, or returns `false` at a clean end before the first byte
/// (a block cut short mid-way is an end too: a log still being written).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        let n = r.read(&mut buf[got..])?;
        if n == 0 {
            return Ok(false);
        }
        got += n;
    }
    Ok(true)
}

/// lz4-java's `LZ4BlockOutputStream`: each block is `LZ4Block`, a token (method in the high
/// nibble: 0x10 raw, 0x20 LZ4), the compressed and the original length and a checksum (each
/// 4 bytes, little-endian), then the bytes. A block of length 0 ends the stream.
struct Lz4Blocks<R: Read> {
    inner: R,
    scratch: Vec<u8>,
}

const LZ4_MAGIC: &[u8; 8] = b"LZ4Block";

impl<R: Read> Lz4Blocks<R> {
    fn new(inner: R) -> BlockReader<Self> {
        BlockReader {
            blocks: Lz4Blocks {
                inner,
                scratch: Vec::new(),
            },
            buf: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Blocks for Lz4Blocks<R> {
    fn next_block(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        let mut head = [0u8; 21];
        if !read_full(&mut self.inner, &mut head)? {
            return Ok(false);
        }
        if &head[..8] != LZ4_MAGIC {
            return Err(invalid("not an lz4-java block stream (no LZ4Block magic)"));
        }
        let method = head[8] & 0xf0;
        let word = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let (compressed, original) = (word(9) as usize, word(13) as usize);
        if original == 0 {
            return Ok(false);
        }
        if original > MAX_BLOCK || compressed > MAX_BLOCK {
            return Err(invalid(
                "an lz4 block longer than 64 MiB (lz4-java's are at most 32 MiB)",
            ));
        }
        self.scratch.resize(compressed, 0);
        if !read_full(&mut self.inner, &mut self.scratch)? {
            return Ok(false);
        }
        match method {
            0x10 => out.extend_from_slice(&self.scratch),
            0x20 => {
                out.resize(original, 0);
                let n = lz4_flex::block::decompress_into(&self.scratch, out)
                    .map_err(|e| invalid(format!("a bad lz4 block: {e}")))?;
                out.truncate(n);
            }
            m => return Err(invalid(format!("an lz4 block of unknown method {m:#x}"))),
        }
        Ok(true)
    }
}

/// snappy-java's `SnappyOutputStream`: an 8-byte magic (`\x82SNAPPY\0`), a version and a
/// compatible version (4 bytes each, big-endian), then blocks: a 4-byte big-endian length and
/// a raw snappy block.
struct SnappyBlocks<R: Read> {
    inner: R,
    header_read: bool,
    scratch: Vec<u8>,
    decoder: snap::raw::Decoder,
}

const SNAPPY_MAGIC: &[u8; 8] = b"\x82SNAPPY\0";

impl<R: Read> SnappyBlocks<R> {
    fn new(inner: R) -> BlockReader<Self> {
        BlockReader {
            blocks: SnappyBlocks {
                inner,
                header_read: false,
                scratch: Vec::new(),
                decoder: snap::raw::Decoder::new(),
            },
            buf: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl<R: Read> Blocks for SnappyBlocks<R> {
    fn next_block(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        if !self.header_read {
            let mut head = [0u8; 16];
            if !read_full(&mut self.inner, &mut head)? {
                return Ok(false);
            }
            if &head[..8] != SNAPPY_MAGIC {
                return Err(invalid("not a snappy-java stream (no \\x82SNAPPY header)"));
            }
            self.header_read = true;
        }
        let mut len = [0u8; 4];
        if !read_full(&mut self.inner, &mut len)? {
            return Ok(false);
        }
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_BLOCK {
            return Err(invalid("a snappy block longer than 64 MiB"));
        }
        self.scratch.resize(len, 0);
        if !read_full(&mut self.inner, &mut self.scratch)? {
            return Ok(false);
        }
        let n = snap::raw::decompress_len(&self.scratch)
            .map_err(|e| invalid(format!("a bad snappy block: {e}")))?;
        if n > MAX_BLOCK {
            return Err(invalid("a snappy block that unpacks to more than 64 MiB"));
        }
        out.resize(n, 0);
        let n = self
            .decoder
            .decompress(&self.scratch, out)
            .map_err(|e| invalid(format!("a bad snappy block: {e}")))?;
        out.truncate(n);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codec_is_read_off_the_name_before_inprogress() {
        assert_eq!(Codec::of(Path::new("local-1.zstd")), Codec::Zstd);
        assert_eq!(Codec::of(Path::new("app-2.lz4.inprogress")), Codec::Lz4);
        assert_eq!(Codec::of(Path::new("app-3.snappy")), Codec::Snappy);
        assert_eq!(Codec::of(Path::new("app-4.inprogress")), Codec::None);
        assert_eq!(Codec::of(Path::new("eventlog.json")), Codec::None);
    }

    #[test]
    fn lz4_java_blocks_decode_in_order_and_stop_at_the_end_block() {
        let mut bytes = Vec::new();
        for part in [&b"hello "[..], &b"world\n"[..]] {
            let packed = lz4_flex::block::compress(part);
            bytes.extend_from_slice(LZ4_MAGIC);
            bytes.push(0x20);
            bytes.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&(part.len() as u32).to_le_bytes());
            bytes.extend_from_slice(&0u32.to_le_bytes());
            bytes.extend_from_slice(&packed);
        }
        bytes.extend_from_slice(LZ4_MAGIC);
        bytes.push(0x10);
        bytes.extend_from_slice(&[0u8; 12]);
        let mut text = String::new();
        Lz4Blocks::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("decodes");
        assert_eq!(text, "hello world\n");
    }

    #[test]
    fn snappy_java_blocks_decode_after_the_header() {
        let mut bytes = SNAPPY_MAGIC.to_vec();
        bytes.extend_from_slice(&1u32.to_be_bytes());
        bytes.extend_from_slice(&1u32.to_be_bytes());
        for part in [&b"one\n"[..], &b"two\n"[..]] {
            let packed = snap::raw::Encoder::new().compress_vec(part).expect("packs");
            bytes.extend_from_slice(&(packed.len() as u32).to_be_bytes());
            bytes.extend_from_slice(&packed);
        }
        let mut text = String::new();
        SnappyBlocks::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("decodes");
        assert_eq!(text, "one\ntwo\n");
    }

    #[test]
    fn a_stream_in_another_framing_is_an_error_not_garbage() {
        let mut text = String::new();
        let e = Lz4Blocks::new(&b"not lz4 at all, just some text"[..])
            .read_to_string(&mut text)
            .expect_err("refused");
        assert!(e.to_string().contains("LZ4Block"), "{e}");
    }
}
