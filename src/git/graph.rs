//! git's commit-graph (`git gc` writes one; `git commit-graph write --reachable
//! --changed-paths` adds Bloom filters), read from its documented chunks: `OIDF`/`OIDL` find a
//! commit's position, `CDAT` (with `EDGE` for octopus merges) gives its parents' positions and
//! its commit time, so history is walked without reading a commit object; `BIDX` gives where
//! a commit's changed-path filter ends in `BDAT`, whose header says how many hashes a key sets
//! and which murmur3 variant made them. A filter answers "this commit did not change the path
//! against its first parent" for certain, or "it may have" (then the trees are read). gix
//! reads commit-graphs but not the filter chunks, and its walk looks every parent up by id.

use std::path::Path;

use gix::ObjectId;

/// One commit-graph file (a layer of a split chain).
struct Layer {
    data: Vec<u8>,
    hash_len: usize,
    fanout: usize,
    oids: usize,
    cdat: usize,
    /// The `EDGE` chunk (octopus merges' further parents), where and how long.
    edge: Option<(usize, usize)>,
    count: usize,
    /// The global position of this layer's first commit (layers below it come first).
    base: usize,
    filters: Option<Filters>,
}

/// Where a layer's changed-path filters are.
struct Filters {
    bidx: usize,
    bdat: usize,
    bdat_len: usize,
    /// Murmur3 variant (1: bytes read as signed, as git did before 2.41; 2: unsigned).
    version: u32,
    hashes: u32,
}

/// A repository's commit-graph: a single file or a split chain, base layer first. Positions
/// are global (a layer's commits follow those of the layers below it), as parents name them.
pub struct CommitGraph {
    layers: Vec<Layer>,
    total: usize,
}

const SEED0: u32 = 0x293a_e76f;
const SEED1: u32 = 0x7e64_6e2c;
/// `CDAT`'s "no parent" and "further parents in `EDGE`" markers.
const NO_PARENT: u32 = 0x7000_0000;
const EXTRA_EDGES: u32 = 0x8000_0000;

/// A commit in the graph, as the walk needs it.
pub struct GraphCommit {
    pub parents: Vec<u32>,
}

impl CommitGraph {
    /// Reads the commit-graph of the repository at `objects` (`.git/objects`); `None` when
    /// there is none or anything in it does not add up.
    pub fn open(objects: &Path) -> Option<CommitGraph> {
        let info = objects.join("info");
        let mut files = Vec::new();
        // git reads the single file when there is one, else the split chain.
        let single = info.join("commit-graph");
        if single.is_file() {
            files.push(single);
        } else if let Ok(text) = std::fs::read_to_string(info.join("commit-graphs").join("commit-graph-chain")) {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                files.push(info.join("commit-graphs").join(format!("graph-{}.graph", line.trim())));
            }
        }
        let mut layers = Vec::new();
        let mut total = 0;
        for f in &files {
            let layer = Layer::read(std::fs::read(f).ok()?, total)?;
            total += layer.count;
            layers.push(layer);
        }
        let graph = CommitGraph { layers, total };
        graph.sound().then_some(graph)
    }

    /// Whether every parent position points into the graph (a torn or foreign file is not
    /// walked).
    fn sound(&self) -> bool {
        !self.layers.is_empty()
            && self.layers.iter().all(|l| {
                (0..l.count).all(|i| {
                    let at = l.cdat + i * (l.hash_len + 16) + l.hash_len;
                    [u32_at(&l.data, at), u32_at(&l.data, at + 4)].iter().all(|p| match p {
                        Some(p) if *p == NO_PARENT => true,
                        Some(p) if p & EXTRA_EDGES != 0 => l.edge.is_some_and(|(_, n)| (p & !EXTRA_EDGES) < n as u32),
                        Some(p) => (*p as usize) < self.total,
                        None => false,
                    })
                })
            })
    }

    /// How many commits the graph has.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The commit time at a position.
    pub fn time(&self, pos: u32) -> Option<i64> {
        let (l, i) = self.layer(pos)?;
        let at = l.cdat + i * (l.hash_len + 16) + l.hash_len + 8;
        Some(((i64::from(u32_at(&l.data, at)?) & 0x3) << 32) | i64::from(u32_at(&l.data, at + 4)?))
    }

    /// Whether any layer has changed-path filters.
    pub fn has_filters(&self) -> bool {
        self.layers.iter().any(|l| l.filters.is_some())
    }

    fn layer(&self, pos: u32) -> Option<(&Layer, usize)> {
        let pos = pos as usize;
        let l = self.layers.iter().rev().find(|l| l.base <= pos)?;
        (pos - l.base < l.count).then(|| (l, pos - l.base))
    }

    /// A commit's global position, if the graph has it.
    pub fn position(&self, id: &ObjectId) -> Option<u32> {
        self.layers.iter().find_map(|l| l.position(id.as_slice()).map(|i| (l.base + i) as u32))
    }

    /// The id at a position.
    pub fn id(&self, pos: u32) -> Option<ObjectId> {
        let (l, i) = self.layer(pos)?;
        let at = l.oids + i * l.hash_len;
        ObjectId::try_from(l.data.get(at..at + l.hash_len)?).ok()
    }

    /// The parent positions (first parent first) at a position.
    pub fn commit(&self, pos: u32) -> Option<GraphCommit> {
        let (l, i) = self.layer(pos)?;
        let at = l.cdat + i * (l.hash_len + 16) + l.hash_len;
        let (p1, p2) = (u32_at(&l.data, at)?, u32_at(&l.data, at + 4)?);
        let mut parents = Vec::with_capacity(2);
        if p1 != NO_PARENT {
            parents.push(p1);
        }
        if p2 & EXTRA_EDGES != 0 && p2 != NO_PARENT {
            let (edge, n) = l.edge?;
            let mut k = (p2 & !EXTRA_EDGES) as usize;
            loop {
                let e = u32_at(&l.data, edge + k.checked_mul(4)?).filter(|_| k < n)?;
                parents.push(e & !EXTRA_EDGES);
                if e & EXTRA_EDGES != 0 {
                    break;
                }
                k += 1;
            }
        } else if p2 != NO_PARENT {
            parents.push(p2);
        }
        Some(GraphCommit { parents })
    }

    /// `Some(false)` when the commit's filter proves it did not change `path` (nor anything
    /// under it) against its first parent; `Some(true)` when it may have; `None` when there
    /// is no filter for the commit.
    pub fn may_change(&self, commit: &ObjectId, path: &Key) -> Option<bool> {
        self.may_change_at(self.position(commit)?, path)
    }

    /// [`CommitGraph::may_change`] by position.
    pub fn may_change_at(&self, pos: u32, path: &Key) -> Option<bool> {
        let (l, i) = self.layer(pos)?;
        l.may_change(i, path)
    }
}

/// A path as the filters are asked about it: the hash pairs of the path and of each of its
/// leading directories, for both murmur3 variants. Git adds a changed path's leading
/// directories to the filter too, so a commit that changed the path sets every one of them;
/// asking for all of them (as git does) rules out far more commits than the path alone.
pub struct Key {
    /// `[variant - 1]`: one (h0, h1) pair per key, the full path first.
    pairs: [Vec<(u32, u32)>; 2],
}

impl Key {
    pub fn new(path: &str) -> Key {
        let path = path.trim_end_matches('/');
        let mut keys = vec![path];
        keys.extend(path.match_indices('/').map(|(at, _)| &path[..at]).filter(|k| !k.is_empty()));
        let pairs = |version: u32| -> Vec<(u32, u32)> {
            keys.iter()
                .map(|k| (murmur3(SEED0, k.as_bytes(), version), murmur3(SEED1, k.as_bytes(), version)))
                .collect()
        };
        Key { pairs: [pairs(1), pairs(2)] }
    }
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

impl Layer {
    fn read(data: Vec<u8>, base: usize) -> Option<Layer> {
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
        let fits = |start: usize, len: usize| start.checked_add(len).is_some_and(|e| e <= data.len());
        let fanout = *table.get(b"OIDF")?;
        let oids = *table.get(b"OIDL")?;
        let cdat = *table.get(b"CDAT")?;
        let count = u32_at(&data, fanout + 255 * 4)? as usize;
        let edge = table.get(b"EDGE").map(|&at| (at, end_of(at).saturating_sub(at) / 4));
        let filters = (|| {
            let (bidx, bdat) = (*table.get(b"BIDX")?, *table.get(b"BDAT")?);
            let (version, hashes) = (u32_at(&data, bdat)?, u32_at(&data, bdat + 4)?);
            let bdat_len = end_of(bdat).checked_sub(bdat + 12)?;
            let sound = fits(bidx, count.checked_mul(4)?)
                && fits(bdat + 12, bdat_len)
                && (1..=2).contains(&version)
                && (1..=64).contains(&hashes);
            sound.then_some(Filters { bidx, bdat, bdat_len, version, hashes })
        })();
        let sound = fits(oids, count.checked_mul(hash_len)?)
            && fits(cdat, count.checked_mul(hash_len + 16)?)
            && edge.is_none_or(|(at, n)| fits(at, n * 4));
        if !sound {
            return None;
        }
        let layer = Layer { data, hash_len, fanout, oids, cdat, edge, count, base, filters };
        layer.ordered().then_some(layer)
    }

    /// Whether the lookup tables agree with each other: ids strictly ascending, the fan-out
    /// counting them by first byte, filter ends never going back. A damaged file (git does
    /// not check its checksum when reading either) would otherwise find the wrong commit for
    /// an id or the wrong filter for a commit. One pass over each table.
    fn ordered(&self) -> bool {
        let id = |i: usize| &self.data[self.oids + i * self.hash_len..self.oids + (i + 1) * self.hash_len];
        let ids_ascend = (1..self.count).all(|i| id(i - 1) < id(i));
        let mut fanout_counts = true;
        let mut i = 0;
        for byte in 0..256usize {
            while i < self.count && usize::from(id(i)[0]) <= byte {
                i += 1;
            }
            fanout_counts &= u32_at(&self.data, self.fanout + byte * 4) == Some(i as u32);
        }
        let filters_ascend = self.filters.as_ref().is_none_or(|f| {
            let end = |i: usize| u32_at(&self.data, f.bidx + i * 4).unwrap_or(u32::MAX);
            (0..self.count).all(|i| end(i) as usize <= f.bdat_len && (i == 0 || end(i - 1) <= end(i)))
        });
        ids_ascend && fanout_counts && filters_ascend
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
        // Ids compare by their first 8 bytes as a number (big-endian keeps the byte order);
        // only equal prefixes compare the rest.
        let prefix = |id: &[u8]| u64::from_be_bytes(id[..8].try_into().unwrap_or_default());
        let wanted = prefix(oid);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = self.oids + mid * self.hash_len;
            let id = &self.data[at..at + self.hash_len];
            match prefix(id).cmp(&wanted).then_with(|| id[8..].cmp(&oid[8..])) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn may_change(&self, pos: usize, path: &Key) -> Option<bool> {
        let f = self.filters.as_ref()?;
        let end = u32_at(&self.data, f.bidx + pos * 4)? as usize;
        let start = if pos == 0 { 0 } else { u32_at(&self.data, f.bidx + (pos - 1) * 4)? as usize };
        if start > end || end > f.bdat_len {
            return None;
        }
        let filter = &self.data[f.bdat + 12 + start..f.bdat + 12 + end];
        // No filter was computed for this commit (too many changes, or none stored).
        if filter.is_empty() || filter == [0xff] {
            return Some(true);
        }
        // A filter sized for several paths sets bits for each of them: all zero is damage,
        // not "changed nothing" (git writes one zero byte for that).
        if filter.len() > 1 && filter.iter().all(|b| *b == 0) {
            return None;
        }
        let bits = filter.len() as u64 * 8;
        let present = |(h0, h1): &(u32, u32)| {
            (0..f.hashes).all(|i| {
                let bit = u64::from(h0.wrapping_add(i.wrapping_mul(*h1))) % bits;
                filter[(bit / 8) as usize] & (1 << (bit % 8)) != 0
            })
        };
        Some(path.pairs[f.version as usize - 1].iter().all(present))
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
    fn git(dir: &std::path::Path, args: &[&str]) -> String {
        crate::git::test_git(dir, args, None)
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
            let filters = super::CommitGraph::open(&d.join(".git/objects")).expect("the graph has filters");
            let mut ruled_out = 0;
            let mut total = 0;
            for record in git(d, &["rev-list", "main"]).lines() {
                let id = gix::ObjectId::from_hex(record.as_bytes()).unwrap();
                let changed = git(d, &["diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", record]);
                let changed: Vec<&str> = changed.split('\0').filter(|s| !s.is_empty()).collect();
                for p in paths {
                    let answer = filters.may_change(&id, &super::Key::new(p)).expect("every commit has a filter");
                    if changed.contains(&p) {
                        assert!(answer, "version {version}: {record} changed {p} but its filter rules it out");
                    } else {
                        total += 1;
                        ruled_out += usize::from(!answer);
                    }
                }
            }
            assert!(ruled_out * 10 > total * 8, "version {version}: {ruled_out} of {total} unchanged paths ruled out");
            assert!(total > 100, "{total}");
        }
    }
}

#[cfg(test)]
mod damage_tests {
    /// A commit-graph whose tables were damaged (two ids swapped, a fan-out entry off, the
    /// filter data zeroed) is not trusted: the file is refused, or the filters give no answer.
    #[test]
    fn a_damaged_graph_is_refused_or_gives_no_answer() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| crate::git::test_git(d, args, None);
        git(&["init", "-q", "-b", "main"]);
        for i in 0..40 {
            std::fs::create_dir_all(d.join("p")).unwrap();
            std::fs::write(d.join(format!("p/f{}", i % 5)), format!("{i}\n")).unwrap();
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", &format!("c{i}")]);
        }
        git(&["commit-graph", "write", "--reachable", "--changed-paths"]);
        let file = d.join(".git/objects/info/commit-graph");
        let good = std::fs::read(&file).unwrap();
        let objects = d.join(".git/objects");
        let graph = super::CommitGraph::open(&objects).expect("git's own graph is read");
        let tip = gix::ObjectId::from_hex(git(&["rev-parse", "HEAD"]).trim().as_bytes()).unwrap();
        assert_eq!(graph.may_change(&tip, &super::Key::new("p/f4")), Some(true));
        // The offset of a chunk, by its id.
        let chunk = |id: &[u8; 4]| {
            (0..good[6] as usize)
                .map(|i| 8 + i * 12)
                .find(|at| &good[*at..at + 4] == id)
                .map(|at| u64::from_be_bytes(good[at + 4..at + 12].try_into().unwrap()) as usize)
                .unwrap()
        };
        let write = |bytes: &[u8]| {
            std::fs::remove_file(&file).unwrap();
            std::fs::write(&file, bytes).unwrap();
        };
        // Two ids swapped.
        let mut bad = good.clone();
        let oidl = chunk(b"OIDL");
        let (a, b) = (bad[oidl + 60..oidl + 80].to_vec(), bad[oidl + 80..oidl + 100].to_vec());
        bad[oidl + 60..oidl + 80].copy_from_slice(&b);
        bad[oidl + 80..oidl + 100].copy_from_slice(&a);
        write(&bad);
        assert!(super::CommitGraph::open(&objects).is_none(), "swapped ids");
        // A fan-out entry off by one.
        let mut bad = good.clone();
        let fanout = chunk(b"OIDF");
        bad[fanout + 3 + 4 * 200] ^= 1;
        write(&bad);
        assert!(super::CommitGraph::open(&objects).is_none(), "fan-out");
        // The filters zeroed: no answer, so the trees are read.
        let mut bad = good.clone();
        let (bdat, end) = (chunk(b"BDAT"), chunk(b"BDAT") + 12);
        let last = (0..good[6] as usize + 1)
            .map(|i| u64::from_be_bytes(good[8 + i * 12 + 4..8 + i * 12 + 12].try_into().unwrap()) as usize)
            .filter(|o| *o > bdat)
            .min()
            .unwrap();
        bad[end..last].fill(0);
        write(&bad);
        let graph = super::CommitGraph::open(&objects).expect("the tables still add up");
        assert_eq!(graph.may_change(&tip, &super::Key::new("p/f4")), None);
    }
}
