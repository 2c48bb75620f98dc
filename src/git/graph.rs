//! Changed-path Bloom filters from git's commit-graph (`git commit-graph write --reachable
//! --changed-paths`), read from the documented chunks: `OIDF`/`OIDL` find a commit's position,
//! `BIDX` gives where its filter ends in `BDAT`, whose header says how many hashes a key sets
//! and which murmur3 variant made them. A filter answers "this commit did not change the path
//! against its first parent" for certain, or "it may have" (then the trees are read). gix reads
//! commit-graphs but not these chunks.

use std::path::Path;

use gix::ObjectId;

/// One commit-graph file's lookup tables and filters.
struct Graph {
    data: Vec<u8>,
    hash_len: usize,
    fanout: usize,
    oids: usize,
    count: usize,
    bidx: usize,
    bdat: usize,
    bdat_len: usize,
    /// Murmur3 variant (1: bytes read as signed, as git did before 2.41; 2: unsigned).
    version: u32,
    hashes: u32,
}

/// The Bloom filters of every graph file the repository has (a single file or a split
/// chain). Commits outside them, or in a file without filters, get no answer.
pub struct Filters {
    graphs: Vec<Graph>,
}

const SEED0: u32 = 0x293a_e76f;
const SEED1: u32 = 0x7e64_6e2c;

impl Filters {
    /// Reads the commit-graph of the repository at `objects` (`.git/objects`); `None` when
    /// there is none, it has no changed-path filters, or anything in it does not add up.
    pub fn open(objects: &Path) -> Option<Filters> {
        let info = objects.join("info");
        let mut files = Vec::new();
        let single = info.join("commit-graph");
        if single.is_file() {
            files.push(single);
        }
        let chain = info.join("commit-graphs").join("commit-graph-chain");
        if let Ok(text) = std::fs::read_to_string(&chain) {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                files.push(info.join("commit-graphs").join(format!("graph-{}.graph", line.trim())));
            }
        }
        let graphs: Vec<Graph> = files.iter().filter_map(|f| Graph::read(std::fs::read(f).ok()?)).collect();
        (!graphs.is_empty()).then_some(Filters { graphs })
    }

    /// `Some(false)` when the commit's filter proves it did not change `path` (nor anything
    /// under it) against its first parent; `Some(true)` when it may have; `None` when there
    /// is no filter for the commit.
    pub fn may_change(&self, commit: &ObjectId, path: &str) -> Option<bool> {
        self.graphs.iter().find_map(|g| g.may_change(commit.as_slice(), path))
    }
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

impl Graph {
    fn read(data: Vec<u8>) -> Option<Graph> {
        if data.get(0..4)? != b"CGPH" || *data.get(4)? != 1 {
            return None;
        }
        let hash_len = match data.get(5)? {
            1 => 20,
            2 => 32,
            _ => return None,
        };
        let chunks = *data.get(6)? as usize;
        let mut table = std::collections::HashMap::new();
        for i in 0..=chunks {
            let at = 8 + i * 12;
            let id: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
            let offset = u64::from_be_bytes(data.get(at + 4..at + 12)?.try_into().ok()?) as usize;
            table.insert(id, offset);
        }
        // A chunk ends where the next one (in file order) starts.
        let mut offsets: Vec<usize> = table.values().copied().collect();
        offsets.sort_unstable();
        let end_of = |start: usize| offsets.iter().copied().find(|o| *o > start).unwrap_or(data.len());
        let fanout = *table.get(b"OIDF")?;
        let oids = *table.get(b"OIDL")?;
        let bidx = *table.get(b"BIDX")?;
        let bdat = *table.get(b"BDAT")?;
        let count = u32_at(&data, fanout + 255 * 4)? as usize;
        let version = u32_at(&data, bdat)?;
        let hashes = u32_at(&data, bdat + 4)?;
        let bdat_len = end_of(bdat).checked_sub(bdat + 12)?;
        let fits = |start: usize, len: usize| start.checked_add(len).is_some_and(|e| e <= data.len());
        let sound = fits(oids, count * hash_len)
            && fits(bidx, count * 4)
            && fits(bdat + 12, bdat_len)
            && (1..=2).contains(&version)
            && (1..=64).contains(&hashes);
        if !sound {
            return None;
        }
        Some(Graph { data, hash_len, fanout, oids, count, bidx, bdat, bdat_len, version, hashes })
    }

    /// The commit's position in this file, by the fan-out table and a binary search.
    fn position(&self, oid: &[u8]) -> Option<usize> {
        if oid.len() != self.hash_len {
            return None;
        }
        let first = oid[0] as usize;
        let lo = if first == 0 { 0 } else { u32_at(&self.data, self.fanout + (first - 1) * 4)? as usize };
        let hi = (u32_at(&self.data, self.fanout + first * 4)? as usize).min(self.count);
        let (mut lo, mut hi) = (lo, hi);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = self.oids + mid * self.hash_len;
            match self.data[at..at + self.hash_len].cmp(oid) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn may_change(&self, oid: &[u8], path: &str) -> Option<bool> {
        let pos = self.position(oid)?;
        let end = u32_at(&self.data, self.bidx + pos * 4)? as usize;
        let start = if pos == 0 { 0 } else { u32_at(&self.data, self.bidx + (pos - 1) * 4)? as usize };
        if start > end || end > self.bdat_len {
            return None;
        }
        let filter = &self.data[self.bdat + 12 + start..self.bdat + 12 + end];
        // No filter was computed for this commit (too many changes, or none stored).
        if filter.is_empty() || filter == [0xff] {
            return Some(true);
        }
        let bits = filter.len() as u64 * 8;
        let key = path.trim_end_matches('/').as_bytes();
        let h0 = murmur3(SEED0, key, self.version);
        let h1 = murmur3(SEED1, key, self.version);
        let present = (0..self.hashes).all(|i| {
            let bit = u64::from(h0.wrapping_add(i.wrapping_mul(h1))) % bits;
            filter[(bit / 8) as usize] & (1 << (bit % 8)) != 0
        });
        Some(present)
    }
}

/// Murmur3 (32-bit) as git's bloom.c computes it; `version` 1 reads the tail bytes as signed
/// chars, as git did before it was fixed.
fn murmur3(seed: u32, data: &[u8], version: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let byte = |i: usize| if version == 1 { c[i] as i8 as i32 as u32 } else { c[i] as u32 };
        let mut k = byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    let byte = |i: usize| if version == 1 { tail[i] as i8 as i32 as u32 } else { tail[i] as u32 };
    let mut k: u32 = 0;
    if tail.len() >= 3 {
        k ^= byte(2) << 16;
    }
    if tail.len() >= 2 {
        k ^= byte(1) << 8;
    }
    if !tail.is_empty() {
        k ^= byte(0);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

#[cfg(test)]
mod tests {
    use super::murmur3;

    /// The test vectors of git's t0095-bloom (`test-tool bloom get_murmur3`).
    #[test]
    fn murmur3_matches_git() {
        assert_eq!(murmur3(0, b"", 2), 0x0000_0000);
        assert_eq!(murmur3(0, b"Hello world!", 2), 0x627b_0c2c);
        assert_eq!(murmur3(0, b"The quick brown fox jumps over the lazy dog", 2), 0x2e4f_f723);
    }
}

#[cfg(test)]
mod graph_tests {
    use std::process::Command;

    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A real repository, its commit-graph written by git with changed-path filters (both
    /// murmur3 variants): every commit that changed a path says "may have", and most that did
    /// not are ruled out — paths with non-ASCII bytes included.
    #[test]
    fn filters_written_by_git_never_miss_a_change() {
        for version in ["1", "2"] {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            git(d, &["init", "-q", "-b", "main"]);
            let paths = ["a/support-plan.toml", "b/ünïcödé/support-plan.toml", "c/x.rs", "top.toml"];
            for i in 0..60 {
                let p = paths[i % paths.len()];
                let file = d.join(p);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, format!("{i}\n")).unwrap();
                git(d, &["add", "-A"]);
                git(d, &["commit", "-q", "-m", &format!("c{i}")]);
            }
            git(
                d,
                &[
                    "-c",
                    &format!("commitGraph.changedPathsVersion={version}"),
                    "commit-graph",
                    "write",
                    "--reachable",
                    "--changed-paths",
                ],
            );
            let filters = super::Filters::open(&d.join(".git/objects")).expect("the graph has filters");
            let mut ruled_out = 0;
            let mut total = 0;
            for record in git(d, &["rev-list", "main"]).lines() {
                let id = gix::ObjectId::from_hex(record.as_bytes()).unwrap();
                let changed = git(d, &["diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", record]);
                let changed: Vec<&str> = changed.split('\0').filter(|s| !s.is_empty()).collect();
                for p in paths {
                    let answer = filters.may_change(&id, p).expect("every commit has a filter");
                    if changed.contains(&p) {
                        assert!(answer, "version {version}: {record} changed {p} but its filter rules it out");
                    } else {
                        total += 1;
                        ruled_out += usize::from(!answer);
                    }
                }
            }
            assert!(ruled_out * 10 > total * 8, "version {version}: {ruled_out} of {total} unchanged paths ruled out");
        }
    }
}
