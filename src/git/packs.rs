//! Trees read straight from the repository's pack files, keeping every delta base resolved on
//! the way.
//!
//! A pack stores most versions of a tree as a delta of another version, in chains up to 50
//! long. gix resolves a chain from its base each time and caches only the object it was asked
//! for; git keeps each base it resolves (`core.deltaBaseCacheLimit`), so reading the versions
//! of a tree one after the other resolves about one delta each. The log diffs the trees of
//! every commit, and with gix's cache alone it inflated six deltas per tree read. This
//! reader does what git does, for trees in the repository's own packs; anything it cannot
//! read (a loose object, an alternate's pack, a pack it finds damaged) is left to gix, which
//! reads it or says what is wrong.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use gix::objs::Kind;
use gix::odb::pack;

/// How much of the resolved bases is kept when `core.deltaBaseCacheLimit` does not say.
const DEFAULT_LIMIT: usize = 48 * 1024 * 1024;
/// Longer chains than any git writes (its `--depth` stops at 4095) are not followed.
const MAX_CHAIN: usize = 5000;
/// Objects declared larger than this are left to gix.
const MAX_OBJECT: u64 = 256 * 1024 * 1024;

/// The repository's packs, mapped, and the bases resolved from them. A batch of work opens
/// the packs anew and drops them when it is done, so the pages it read do not stay mapped
/// (gix maps the same files for everything else); the bases outlive it.
pub(crate) struct Packs {
    /// Each pack with its number in `bases.names`.
    bundles: Vec<(usize, pack::Bundle)>,
    bases: Arc<Mutex<Bases>>,
}

/// Resolved objects by (pack, offset), evicted oldest first, except that an entry read since
/// it was last looked at gets another round (a chain's base is read over and over). A pack
/// is known by its file name, which git derives from its content.
pub(crate) struct Bases {
    names: Vec<std::ffi::OsString>,
    map: OffsetMap<Kept>,
    order: VecDeque<(usize, u64)>,
    bytes: usize,
    limit: usize,
}

/// An object's bytes, shared (kept here, and handed out).
pub(crate) type Data = Arc<Vec<u8>>;

/// An object kept: its kind, its bytes, and whether it was read since it was last looked at.
type Kept = (Kind, Data, bool);

/// Hashes a (pack, offset) key: both are numbers already, and SipHash's resistance to
/// chosen keys buys nothing here (the offsets come from the pack index).
#[derive(Default, Clone, Copy)]
pub(crate) struct OffsetHasher(u64);

impl std::hash::Hasher for OffsetHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        // The multiplier of Fibonacci hashing (2^64 divided by the golden ratio), rotated so
        // that high bits reach the low ones hashbrown takes its buckets from.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type OffsetMap<V> = HashMap<(usize, u64), V, std::hash::BuildHasherDefault<OffsetHasher>>;

impl Bases {
    /// Room for `limit` bytes (`core.deltaBaseCacheLimit`), or 48 MiB.
    pub(crate) fn new(limit: Option<usize>) -> Arc<Mutex<Bases>> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        Arc::new(Mutex::new(Bases {
            names: Vec::new(),
            map: OffsetMap::default(),
            order: VecDeque::new(),
            bytes: 0,
            limit,
        }))
    }
}

impl Packs {
    /// The packs in `objects/pack` of the repository whose objects directory is `objects`;
    /// a pack that does not open is skipped (gix reads its objects, or says why not).
    pub(crate) fn open(objects: &std::path::Path, hash: gix::hash::Kind, bases: Arc<Mutex<Bases>>) -> Packs {
        let mut bundles = Vec::new();
        if let Ok(dir) = std::fs::read_dir(objects.join("pack")) {
            let mut idx: Vec<std::path::PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            idx.sort();
            if let Ok(mut known) = bases.lock() {
                for (path, bundle) in idx.iter().filter_map(|p| Some((p, pack::Bundle::at(p, hash).ok()?))) {
                    let name = path.file_name().unwrap_or_default().to_owned();
                    let number = match known.names.iter().position(|n| *n == name) {
                        Some(n) => n,
                        None => {
                            known.names.push(name);
                            known.names.len() - 1
                        }
                    };
                    bundles.push((number, bundle));
                }
            }
        }
        Packs { bundles, bases }
    }

    /// The tree `id` from a pack, `None` when it is not in one this reader can read (or is
    /// not a tree).
    pub(crate) fn tree(&self, id: &gix::oid) -> Option<Data> {
        match self.find(id, 0)? {
            (Kind::Tree, data) => Some(data),
            _ => None,
        }
    }

    fn find(&self, id: &gix::oid, depth: usize) -> Option<(Kind, Data)> {
        self.bundles.iter().enumerate().find_map(|(b, (_, bundle))| {
            let at = bundle.index.lookup(id)?;
            self.resolve(b, bundle.index.pack_offset_at_index(at), depth)
        })
    }

    /// The object at `offset` in pack `b`: down its chain to a base already resolved (or
    /// stored whole), then back up, keeping each object on the way (a history walk reads
    /// each version of a tree twice, as a commit's and as its child's parent's).
    fn resolve(&self, b: usize, offset: u64, depth: usize) -> Option<(Kind, Data)> {
        let pack = &self.bundles[b].1.pack;
        let mut chain = Vec::new();
        let mut at = offset;
        let (kind, mut data) = loop {
            if chain.len() + depth > MAX_CHAIN {
                return None;
            }
            if let Some(hit) = self.get(b, at) {
                break hit;
            }
            let entry = pack.entry(at).ok()?;
            match entry.header {
                pack::data::entry::Header::OfsDelta { base_distance } => {
                    at = entry.checked_base_pack_offset(base_distance)?;
                    chain.push(entry);
                }
                pack::data::entry::Header::RefDelta { base_id } => {
                    let depth = depth + chain.len() + 1;
                    chain.push(entry);
                    break self.find(&base_id, depth + 1)?;
                }
                header => {
                    let kind = header.as_kind()?;
                    let data: Data = Arc::new(inflate(pack, &entry)?);
                    self.put(b, at, kind, data.clone());
                    break (kind, data);
                }
            }
        };
        for entry in chain.iter().rev() {
            data = Arc::new(apply(&data, &inflate(pack, entry)?)?);
            self.put(b, entry.pack_offset(), kind, data.clone());
        }
        Some((kind, data))
    }

    fn get(&self, b: usize, offset: u64) -> Option<(Kind, Data)> {
        let mut bases = self.bases.lock().ok()?;
        let (kind, data, used) = bases.map.get_mut(&(self.bundles[b].0, offset))?;
        *used = true;
        Some((*kind, data.clone()))
    }

    fn put(&self, b: usize, offset: u64, kind: Kind, data: Data) {
        let Ok(mut bases) = self.bases.lock() else { return };
        let (b, size) = (self.bundles[b].0, data.len());
        if size > bases.limit / 4 || bases.map.contains_key(&(b, offset)) {
            return;
        }
        while bases.bytes + size > bases.limit {
            let Some(key) = bases.order.pop_front() else { break };
            match bases.map.get_mut(&key) {
                Some((_, _, used)) if *used => {
                    *used = false;
                    bases.order.push_back(key);
                }
                Some(_) => {
                    if let Some((_, old, _)) = bases.map.remove(&key) {
                        bases.bytes -= old.len();
                    }
                }
                None => {}
            }
        }
        bases.bytes += size;
        bases.map.insert((b, offset), (kind, data, false));
        bases.order.push_back((b, offset));
    }
}

thread_local! {
    static INFLATE: std::cell::RefCell<gix::zlib::Inflate> = Default::default();
}

/// An entry's data, inflated; `None` when the pack says otherwise than its stream.
fn inflate(pack: &pack::data::File, entry: &pack::data::Entry) -> Option<Vec<u8>> {
    if entry.decompressed_size > MAX_OBJECT {
        return None;
    }
    let mut out = vec![0; usize::try_from(entry.decompressed_size).ok()?];
    INFLATE.with_borrow_mut(|inflate| pack.decompress_entry(entry, inflate, &mut out)).ok()?;
    Some(out)
}

/// A size at the start of a delta: seven bits a byte, low bits first.
fn delta_size(delta: &[u8], at: &mut usize) -> Option<u64> {
    let mut size = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *delta.get(*at)?;
        *at += 1;
        size |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(size);
        }
    }
    None
}

/// `base` with `delta` applied, as git's pack format describes it: the base's size, the
/// result's size, then instructions that copy a range of the base or insert the bytes that
/// follow them. `None` when the delta does not fit the base or does not add up to its size.
fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() as u64 {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    if size > MAX_OBJECT {
        return None;
    }
    let mut out = Vec::with_capacity(size as usize);
    while let Some(&op) = delta.get(at) {
        at += 1;
        if op & 0x80 != 0 {
            // Copy: which offset and size bytes follow is told by the low seven bits.
            let mut field = |bits: u8, shifts: std::ops::Range<u32>| -> Option<usize> {
                let mut v = 0usize;
                for (i, shift) in shifts.step_by(8).enumerate() {
                    if bits & (1 << i) != 0 {
                        v |= usize::from(*delta.get(at)?) << shift;
                        at += 1;
                    }
                }
                Some(v)
            };
            let offset = field(op & 0x0f, 0..32)?;
            let len = match field((op >> 4) & 0x07, 0..24)? {
                0 => 0x10000,
                n => n,
            };
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
        if out.len() as u64 > size {
            return None;
        }
    }
    (out.len() as u64 == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{Bases, Packs, apply};

    /// Every tree of a history git packed with long delta chains reads the same through the
    /// packs as through gix, in either order of the deltas (fast-import, `repack -adf`), with
    /// the bases kept in 48 MiB or evicted from 4 KiB; a loose tree is not read here (gix
    /// reads it).
    #[test]
    fn trees_read_from_the_packs_are_the_trees_gix_reads() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| crate::git::test_git(d, args, Some("@1700000000 +0000"));
        git(&["init", "-q", "-b", "main"]);
        let mut stream = String::new();
        for i in 1..=60u32 {
            stream += &format!(
                "commit refs/heads/main\nmark :{i}\ncommitter A <a@example.com> {} +0000\ndata 2\nc\n",
                1_700_000_000 + i
            );
            if i > 1 {
                stream += &format!("from :{}\n", i - 1);
            }
            for f in if i == 1 { (0..30).collect::<Vec<u32>>() } else { vec![i % 30, (i * 7) % 30] } {
                let text = format!("{f} at {i}\n");
                stream += &format!("M 100644 inline dir-{}/file-{f:02}.txt\ndata {}\n{text}\n", f % 3, text.len());
            }
        }
        crate::git::test_fast_import(d, &(stream + "done\n"));
        let check = |what: &str| {
            let repo = crate::git::Repo::discover(d).unwrap();
            let objects = git(&["rev-list", "--objects", "main"]);
            let trees: Vec<gix::ObjectId> = objects
                .lines()
                .filter_map(|l| l.split(' ').next()?.parse().ok())
                .filter(|id: &gix::ObjectId| repo.inner.find_object(*id).unwrap().kind == gix::objs::Kind::Tree)
                .collect();
            assert!(trees.len() > 100, "{what}: {}", trees.len());
            for limit in [None, Some(4096)] {
                let packs = Packs::open(&d.join(".git/objects"), gix::hash::Kind::Sha1, Bases::new(limit));
                // Twice: the second time most come from the bases kept.
                for id in trees.iter().chain(trees.iter().rev()) {
                    let ours = packs.tree(id).unwrap_or_else(|| panic!("{what}: tree {id} not read"));
                    assert_eq!(&ours[..], &repo.inner.find_object(*id).unwrap().data[..], "{what}: tree {id}");
                }
            }
        };
        check("fast-import");
        git(&["repack", "-adfq", "--depth=50"]);
        check("repack -adf");
        // A tree written loose is not in a pack: left to gix.
        std::fs::write(d.join("new.txt"), "new\n").unwrap();
        git(&["add", "new.txt"]);
        let loose: gix::ObjectId = git(&["write-tree"]).trim().parse().unwrap();
        let packs = Packs::open(&d.join(".git/objects"), gix::hash::Kind::Sha1, Bases::new(None));
        assert!(packs.tree(&loose).is_none());
    }

    /// A delta as git writes one: sizes, a copy, an insert, a copy with the size 0 that means
    /// 65,536. Deltas that do not fit the base or their own size are refused, not applied.
    #[test]
    fn deltas_apply_as_the_pack_format_says_and_bad_ones_are_refused() {
        let base: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        // base size 70,000 = 0xf0 0xa2 0x04; result size 4 + 3 + 65,536 = 65,543 = 0x87 0x80 0x04.
        let mut delta = vec![0xf0, 0xa2, 0x04, 0x87, 0x80, 0x04];
        delta.extend([0x80 | 0x01 | 0x10, 10, 4]); // copy 4 bytes from offset 10
        delta.extend([3, b'a', b'b', b'c']); // insert "abc"
        delta.extend([0x80 | 0x01, 1]); // copy 65,536 bytes from offset 1
        let out = apply(&base, &delta).unwrap();
        assert_eq!(&out[..4], &base[10..14]);
        assert_eq!(&out[4..7], b"abc");
        assert_eq!(&out[7..], &base[1..65_537]);
        // The wrong base size, a result that is not the size it says, a copy past the base,
        // an insert past the delta, the reserved instruction 0.
        let mut wrong_base = delta.clone();
        wrong_base[0] = 0xf1;
        let mut short = delta.clone();
        short.truncate(delta.len() - 2);
        let mut past = delta.clone();
        past[6] = 0x80 | 0x04 | 0x10; // the offset byte is now its third: 10 << 16
        let mut insert_past = delta[..6].to_vec();
        insert_past.extend([5, b'a']);
        let mut reserved = delta[..6].to_vec();
        reserved.push(0);
        for bad in [wrong_base, short, past, insert_past, reserved] {
            assert_eq!(apply(&base, &bad), None, "{bad:?}");
        }
    }
}
