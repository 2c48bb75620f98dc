//! The fast path's parser. Its table bookkeeping follows `toml`'s own (the body under a
//! header is built apart and put in place at the next header, a table made implicit by a
//! header may be opened once later), so the tree and spans come out as `toml` builds them.
//! Every `None` means "not sure": the caller parses with `toml` instead.

use std::borrow::Cow;
use std::ops::Range;

use super::{Doc, Key, Node, Origin, Table, Value};

/// More entries than this in one table: left to `toml` (a key is found by a linear search).
const MAX_ENTRIES: usize = 128;
/// Arrays and inline tables nested deeper than this: left to `toml`.
const MAX_DEPTH: usize = 16;

/// The bytes of a bare key: ASCII letters, digits, `_` and `-`.
static BARE_KEY: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric() || b == b'_' as usize || b == b'-' as usize;
        b += 1;
    }
    t
};

/// Parses `text`, or `None` when it is not in the subset read here.
pub fn parse(text: &str) -> Option<Doc<'_>> {
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut p = Parser { text, pos: 0 };
    let mut state = State { root: Table::new(Origin::Header), current: Table::new(Origin::Header), header: None };
    loop {
        p.skip_ws();
        match p.peek() {
            None => break,
            Some(b'\n' | b'\r' | b'#') => {}
            Some(b'[') => {
                state.finish()?;
                let header = p.header()?;
                state.start(header)?;
            }
            Some(_) => {
                let (path, key) = p.key_path()?;
                p.skip_ws();
                p.eat(b'=')?;
                p.skip_ws();
                let value = p.value(0)?;
                state.key_value(&path, key, value)?;
            }
        }
        p.line_end()?;
    }
    state.finish()?;
    let mut root = state.root;
    root.sort();
    Some(Doc { root })
}

struct Header<'i> {
    path: Vec<Key<'i>>,
    key: Key<'i>,
    span: Range<usize>,
    is_array: bool,
}

struct State<'i> {
    root: Table<'i>,
    /// The table the lines since the last header fill, put in place by [`State::finish`].
    current: Table<'i>,
    header: Option<Header<'i>>,
}

impl<'i> State<'i> {
    fn key_value(&mut self, path: &[Key<'i>], key: Key<'i>, value: Node<'i>) -> Option<()> {
        let parent = descend_dotted(&mut self.current, path)?;
        insert(parent, key, value)
    }

    /// Puts the table just read in place: under its header's path, or as the root.
    fn finish(&mut self) -> Option<()> {
        let body = std::mem::take(&mut self.current);
        let Some(h) = self.header.take() else {
            self.root = body;
            return Some(());
        };
        let node = Node { span: h.span.clone(), value: Value::Table(body) };
        let parent = descend_header(&mut self.root, &h.path)?;
        if !h.is_array {
            return insert(parent, h.key, node);
        }
        match parent.position(&h.key.name) {
            None => insert(parent, h.key, Node { span: h.span, value: Value::Array(vec![node], true) }),
            Some(i) => match &mut parent.entries[i].1.value {
                Value::Array(items, true) => {
                    items.push(node);
                    Some(())
                }
                _ => None,
            },
        }
    }

    /// Starts the table of a header: a table the header's path made implicit earlier is
    /// taken up again; any other existing value under that name is a redefinition.
    fn start(&mut self, h: Header<'i>) -> Option<()> {
        if !h.is_array {
            let parent = descend_header(&mut self.root, &h.path)?;
            if let Some(i) = parent.position(&h.key.name) {
                match parent.entries.remove(i).1.value {
                    Value::Table(t) if t.origin == Origin::Implicit => self.current = t,
                    _ => return None,
                }
            }
        }
        self.current.origin = Origin::Header;
        self.header = Some(h);
        Some(())
    }
}

fn insert<'i>(table: &mut Table<'i>, key: Key<'i>, value: Node<'i>) -> Option<()> {
    if table.entries.len() >= MAX_ENTRIES || table.position(&key.name).is_some() {
        return None;
    }
    table.entries.push((key, value));
    Some(())
}

/// The table a header's path leads to, making missing tables implicit on the way; the last
/// table of an array of tables stands for the array.
fn descend_header<'t, 'i>(table: &'t mut Table<'i>, path: &[Key<'i>]) -> Option<&'t mut Table<'i>> {
    descend(table, path, Origin::Implicit, |value| match value {
        Value::Table(t) if matches!(t.origin, Origin::Header | Origin::Implicit) => Some(t),
        Value::Array(items, true) => match items.last_mut().map(|n| &mut n.value) {
            Some(Value::Table(t)) => Some(t),
            _ => None,
        },
        _ => None,
    })
}

/// The table a dotted key's path leads to, making missing tables on the way; only tables
/// dotted keys made may be extended by them.
fn descend_dotted<'t, 'i>(table: &'t mut Table<'i>, path: &[Key<'i>]) -> Option<&'t mut Table<'i>> {
    descend(table, path, Origin::Dotted, |value| match value {
        Value::Table(t) if t.origin == Origin::Dotted => Some(t),
        _ => None,
    })
}

/// Follows `path` down from `table`: a missing table is made (of origin `made`, spanning its
/// key), an existing value is gone into as `enter` allows, or not at all (`None`).
fn descend<'t, 'i>(
    mut table: &'t mut Table<'i>,
    path: &[Key<'i>],
    made: Origin,
    enter: impl for<'v> Fn(&'v mut Value<'i>) -> Option<&'v mut Table<'i>>,
) -> Option<&'t mut Table<'i>> {
    for key in path {
        let i = match table.position(&key.name) {
            Some(i) => i,
            None => {
                insert(table, key.clone(), Node { span: key.span.clone(), value: Value::Table(Table::new(made)) })?;
                table.entries.len() - 1
            }
        };
        table = enter(&mut table.entries[i].1.value)?;
    }
    Some(table)
}

struct Parser<'i> {
    text: &'i str,
    pos: usize,
}

impl<'i> Parser<'i> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + offset).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// A newline (`\n` or `\r\n`), or `None`.
    fn newline(&mut self) -> Option<()> {
        match self.peek() {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') if self.at(1) == Some(b'\n') => self.pos += 2,
            _ => return None,
        }
        Some(())
    }

    /// A comment up to (not including) its newline; its text may hold tabs and any
    /// non-ASCII character, but no other control character.
    fn comment(&mut self) -> Option<()> {
        self.eat(b'#')?;
        let rest = &self.text.as_bytes()[self.pos..];
        let mut n = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if n > 0 && rest[n - 1] == b'\r' && n < rest.len() {
            n -= 1;
        }
        if has_control(&rest[..n]) {
            return None;
        }
        self.pos += n;
        Some(())
    }

    /// The rest of a line after a key/value or header: blanks, a comment, the newline.
    fn line_end(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        if self.peek().is_none() { Some(()) } else { self.newline() }
    }

    /// Blanks, newlines and comments between an array's elements.
    fn skip_array_space(&mut self) -> Option<()> {
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'#') => self.comment()?,
                Some(b'\n' | b'\r') => self.newline()?,
                _ => return Some(()),
            }
        }
    }

    fn header(&mut self) -> Option<Header<'i>> {
        let start = self.pos;
        self.eat(b'[')?;
        let is_array = self.eat(b'[').is_some();
        self.skip_ws();
        let (path, key) = self.key_path()?;
        self.skip_ws();
        self.eat(b']')?;
        if is_array {
            self.eat(b']')?;
        }
        Some(Header { path, key, span: start..self.pos, is_array })
    }

    /// A key, dotted or not: the tables on the way and the last key.
    fn key_path(&mut self) -> Option<(Vec<Key<'i>>, Key<'i>)> {
        let mut path = Vec::new();
        let mut key = self.key()?;
        loop {
            let back = self.pos;
            self.skip_ws();
            if self.eat(b'.').is_none() {
                self.pos = back;
                return Some((path, key));
            }
            self.skip_ws();
            path.push(std::mem::replace(&mut key, self.key()?));
        }
    }

    fn key(&mut self) -> Option<Key<'i>> {
        let start = self.pos;
        let name = match self.peek()? {
            b'"' => self.basic_string()?,
            b'\'' => self.literal_string()?,
            _ => {
                let rest = &self.text.as_bytes()[start..];
                let len = rest.iter().position(|&b| !BARE_KEY[usize::from(b)]).unwrap_or(rest.len());
                if len == 0 {
                    return None;
                }
                self.pos += len;
                Cow::Borrowed(&self.text[start..self.pos])
            }
        };
        Some(Key { name, span: start..self.pos })
    }

    fn value(&mut self, depth: usize) -> Option<Node<'i>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.pos;
        let value = match self.peek()? {
            b'"' => Value::String(self.basic_string()?),
            b'\'' => Value::String(self.literal_string()?),
            b'[' => self.array(depth)?,
            b'{' => self.inline_table(depth)?,
            b't' | b'f' => self.boolean()?,
            b'0'..=b'9' | b'+' | b'-' => self.scalar()?,
            _ => return None,
        };
        Some(Node { span: start..self.pos, value })
    }

    /// A one-line basic string: `\"`, `\\`, `\n`, `\t`, `\r`, `\b` and `\f` are the escapes
    /// read here; any other, and a string that opens with `"""`, are left to `toml`.
    fn basic_string(&mut self) -> Option<Cow<'i, str>> {
        if self.text.as_bytes()[self.pos..].starts_with(b"\"\"\"") {
            return None;
        }
        self.pos += 1;
        let mut owned: Option<String> = None;
        let mut run = self.pos;
        loop {
            // To the next quote or backslash at once; what lies between may hold tabs and any
            // non-ASCII character, but no other control character.
            let rest = &self.text.as_bytes()[self.pos..];
            let n = memchr::memchr2(b'"', b'\\', rest)?;
            if has_control(&rest[..n]) {
                return None;
            }
            self.pos += n;
            if rest[n] == b'"' {
                break;
            }
            let text = owned.get_or_insert_with(String::new);
            text.push_str(&self.text[run..self.pos]);
            text.push(match self.at(1)? {
                b'"' => '"',
                b'\\' => '\\',
                b'n' => '\n',
                b't' => '\t',
                b'r' => '\r',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                _ => return None,
            });
            self.pos += 2;
            run = self.pos;
        }
        let tail = &self.text[run..self.pos];
        self.pos += 1;
        Some(match owned {
            Some(mut text) => {
                text.push_str(tail);
                Cow::Owned(text)
            }
            None => Cow::Borrowed(tail),
        })
    }

    /// A one-line literal string (`'''` is left to `toml`).
    fn literal_string(&mut self) -> Option<Cow<'i, str>> {
        if self.text.as_bytes()[self.pos..].starts_with(b"'''") {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        let rest = &self.text.as_bytes()[start..];
        let n = memchr::memchr(b'\'', rest)?;
        if has_control(&rest[..n]) {
            return None;
        }
        self.pos += n;
        let text = &self.text[start..self.pos];
        self.pos += 1;
        Some(Cow::Borrowed(text))
    }

    fn array(&mut self, depth: usize) -> Option<Value<'i>> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_array_space()?;
            if self.eat(b']').is_some() {
                return Some(Value::Array(items, false));
            }
            items.push(self.value(depth + 1)?);
            self.skip_array_space()?;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(Value::Array(items, false));
                }
                _ => return None,
            }
        }
    }

    /// A one-line inline table without a trailing comma (TOML 1.1's newlines and trailing
    /// commas in inline tables are left to `toml`).
    fn inline_table(&mut self, depth: usize) -> Option<Value<'i>> {
        self.pos += 1;
        let mut table = Table::new(Origin::Inline);
        self.skip_ws();
        if self.eat(b'}').is_some() {
            return Some(Value::Table(table));
        }
        loop {
            let (path, key) = self.key_path()?;
            self.skip_ws();
            self.eat(b'=')?;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            insert(descend_dotted(&mut table, &path)?, key, value)?;
            self.skip_ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.skip_ws();
                }
                b'}' => {
                    self.pos += 1;
                    return Some(Value::Table(table));
                }
                _ => return None,
            }
        }
    }

    fn boolean(&mut self) -> Option<Value<'i>> {
        let rest = &self.text.as_bytes()[self.pos..];
        let (value, len) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        if rest.get(len).is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'+')) {
            return None;
        }
        self.pos += len;
        Some(Value::Boolean(value))
    }

    /// A number or a datetime: the run of characters either can hold, then read strictly.
    fn scalar(&mut self) -> Option<Value<'i>> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while bytes
            .get(self.pos)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'+'))
        {
            self.pos += 1;
        }
        let token = &self.text[start..self.pos];
        let t = token.as_bytes();
        let is_date = t.len() >= 10 && t[..4].iter().all(u8::is_ascii_digit) && t[4] == b'-' && t[7] == b'-';
        let is_time = t.len() >= 5 && t[2] == b':';
        if is_date || is_time {
            // `1979-05-27 07:32:00`: a date and a time apart by a space is one value in TOML.
            if t.len() == 10 && self.peek() == Some(b' ') && self.at(1).is_some_and(|b| b.is_ascii_digit()) {
                return None;
            }
            return token.parse().ok().map(Value::Datetime);
        }
        number(token)
    }
}

/// Whether text holds a control character TOML allows in no string or comment (all but tab).
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
}

/// A decimal integer or float as TOML writes them, without underscores, or `None`.
fn number(token: &str) -> Option<Value<'static>> {
    let t = token.as_bytes();
    let mut i = usize::from(matches!(t.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let from = *i;
        while t.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let whole_start = i;
    let whole = digits(&mut i);
    if whole == 0 || (whole > 1 && t[whole_start] == b'0') {
        return None;
    }
    let mut float = false;
    if t.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
        float = true;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
        float = true;
    }
    if i != t.len() {
        return None;
    }
    if float {
        token.parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::Float)
    } else {
        token.parse::<i64>().ok().map(Value::Integer)
    }
}
