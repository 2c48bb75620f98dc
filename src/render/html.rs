//! `plan render --format html`: the plan document as one self-contained page — no scripts,
//! fonts, images or style sheets from anywhere else — with the timeline as inline SVG and a
//! layout that prints. Made from the Markdown document, so both say the same.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::timeline::{Chart, svg};
use super::xml;

/// One plan on the page: its product id, the Markdown document and its timeline.
pub struct Doc {
    pub product: String,
    pub markdown: String,
    pub chart: Chart,
}

/// A heading the table of contents links to.
struct Heading {
    level: HeadingLevel,
    id: String,
    text: String,
}

/// Letters, digits and `-` only: an id and a fragment that need no escaping.
fn slug(s: &str) -> String {
    let s: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    if s.is_empty() { "section".into() } else { s }
}

/// The number a template heading starts with: `2.1.2` of `2.1.2. Release Strategy`.
fn section_number(text: &str) -> Option<&str> {
    let head = text.split_whitespace().next()?.strip_suffix('.')?;
    (head.split('.').all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))).then_some(head)
}

/// Link targets a page may keep: web and mail addresses and fragments. Anything else
/// (`javascript:`, `data:`, a relative path that means nothing off the repository) loses its
/// link and keeps its text.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:", "#"].iter().any(|p| lower.starts_with(p))
}

/// Converts one plan's Markdown to HTML: headings get ids (and their template number as
/// `data-section`), the Mermaid timeline becomes the inline SVG, raw HTML shows as text
/// (only the `<br>` of a table cell is a line break), unsafe links lose their target and
/// images their source.
fn body(doc: &Doc, toc: &mut Vec<Heading>) -> String {
    let prefix = slug(&doc.product);
    let mut events: Vec<Event> = Vec::new();
    let mut parser = Parser::new_ext(&doc.markdown, Options::ENABLE_TABLES);
    let mut links: Vec<bool> = Vec::new();
    while let Some(event) = parser.next() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if info.as_ref() == "mermaid" => {
                for e in parser.by_ref() {
                    if matches!(e, Event::End(TagEnd::CodeBlock)) {
                        break;
                    }
                }
                events.push(Event::Html(CowStr::from(format!(
                    "<figure class=\"timeline\">{}</figure>\n",
                    svg(&doc.chart)
                ))));
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let mut inner = Vec::new();
                for e in parser.by_ref() {
                    if matches!(e, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    inner.push(e);
                }
                let text: String = inner
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let number = section_number(&text).map(str::to_owned);
                // `--` never occurs in a slug, so no heading id is an article's (a product id).
                let id = match &number {
                    Some(n) => format!("{prefix}--s{}", n.replace('.', "-")),
                    None => format!("{prefix}--{}", slug(&text)),
                };
                let mut attrs = Vec::new();
                if let Some(n) = number {
                    attrs.push((CowStr::from("data-section"), Some(CowStr::from(n))));
                }
                toc.push(Heading { level, id: id.clone(), text: text.clone() });
                events.push(Event::Start(Tag::Heading { level, id: Some(CowStr::from(id)), classes: vec![], attrs }));
                events.extend(inner.into_iter().map(neutral));
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link { dest_url, .. }) if !safe_url(&dest_url) => links.push(false),
            Event::Start(link @ Tag::Link { .. }) => {
                links.push(true);
                events.push(Event::Start(link));
            }
            Event::End(TagEnd::Link) => {
                if links.pop() == Some(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            // An image keeps only its words (the alt text between these two).
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            e => events.push(neutral(e)),
        }
    }
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

/// Raw HTML becomes text (the Markdown escaped plan text already; this keeps it so), except
/// the `<br>` a table cell uses for a line break.
fn neutral(e: Event) -> Event {
    match e {
        Event::Html(h) | Event::InlineHtml(h) if h.trim().eq_ignore_ascii_case("<br>") => Event::HardBreak,
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        e => e,
    }
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
  color: #1b1f24; background: #fff; margin: 0 auto; max-width: 1040px; padding: 1.5rem 2rem 4rem; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #24527f; padding-bottom: .3rem; }
h2 { font-size: 1.4rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin-top: 1.3rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f5f8; }
code { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: .88em;
  background: #f3f5f8; padding: .05rem .25rem; border-radius: 3px; }
figure.timeline { margin: 1rem 0 1.5rem; padding: .5rem; border: 1px solid #d0d7de; border-radius: 6px; }
nav.toc { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem; margin: 1rem 0; }
nav.toc ul { list-style: none; padding-left: 1rem; margin: .2rem 0; }
nav.toc > ul { padding-left: 0; }
a { color: #0a58a6; }
article + article { border-top: 3px double #8c959f; margin-top: 3rem; }
footer { color: #57606a; font-size: .85rem; margin-top: 3rem; }
@page { margin: 18mm 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav.toc { display: none; }
  a { color: inherit; text-decoration: none; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, figure.timeline, tr { break-inside: avoid; page-break-inside: avoid; }
  article + article { break-before: page; page-break-before: always; border-top: none; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure.timeline { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
";

/// The page: every plan as an article with its table of contents, the styles inline, and a
/// content security policy that lets nothing load or run.
pub fn page(docs: &[Doc], generated: &str) -> String {
    let mut title = "Production Support Plans".to_owned();
    let mut articles = String::new();
    for doc in docs {
        let mut toc = Vec::new();
        let html = body(doc, &mut toc);
        if let [_] = docs
            && let Some(h1) = toc.iter().find(|h| h.level == HeadingLevel::H1)
        {
            title = h1.text.clone();
        }
        let mut nav = String::from("<nav class=\"toc\" aria-label=\"Contents\"><ul>\n");
        for h in toc.iter().filter(|h| matches!(h.level, HeadingLevel::H2 | HeadingLevel::H3)) {
            let indent = if h.level == HeadingLevel::H3 { " style=\"padding-left:1rem\"" } else { "" };
            nav.push_str(&format!("<li{indent}><a href=\"#{}\">{}</a></li>\n", h.id, xml(&h.text)));
        }
        nav.push_str("</ul></nav>\n");
        // The contents go after the title.
        let html = match html.find("</h1>") {
            Some(at) => format!("{}\n{nav}{}", &html[..at + 5], &html[at + 5..]),
            None => format!("{nav}{html}"),
        };
        articles.push_str(&format!("<article id=\"{}\">\n{html}</article>\n", slug(&doc.product)));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"supportplan {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n{articles}</main>\n<footer>Rendered by <code>plan render --format html</code> on {}.</footer>\n\
         </body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        xml(&title),
        xml(generated)
    )
}
