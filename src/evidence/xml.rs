//! What every XML evidence reader refuses, whatever the format: a document type that
//! declares entities (an internal subset: entity expansion, `SYSTEM` files), a reference to
//! an entity XML does not define, and an attribute whose value does not unescape. quick-xml
//! expands nothing, so such a file would read with its references silently empty: a failing
//! test named `&x;` would lose its name.

use quick_xml::events::Event;

pub fn check(event: &Event<'_>) -> Result<(), String> {
    match event {
        Event::DocType(d) => {
            let text = String::from_utf8_lossy(d.as_ref());
            if text.contains('[') || text.contains("ENTITY") {
                return Err(
                    "the file declares a document type with its own definitions (<!DOCTYPE … [ … ]>): evidence must not define entities"
                        .into(),
                );
            }
        }
        Event::GeneralRef(r) => {
            let name = String::from_utf8_lossy(r.as_ref());
            let known = matches!(name.as_ref(), "lt" | "gt" | "amp" | "apos" | "quot")
                || (r.is_char_ref() && r.resolve_char_ref().ok().flatten().is_some());
            if !known {
                return Err(format!("the file refers to `&{name};`, which XML does not define"));
            }
        }
        Event::Start(e) | Event::Empty(e) => {
            for a in e.attributes() {
                let a = a.map_err(|err| format!("a malformed attribute in <{}>: {err}", tag(e)))?;
                if let Err(err) = a.unescape_value() {
                    return Err(format!(
                        "<{}> attribute `{}` does not read: {err}",
                        tag(e),
                        String::from_utf8_lossy(a.key.as_ref())
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn tag(e: &quick_xml::events::BytesStart<'_>) -> String {
    crate::render::one_line(&String::from_utf8_lossy(e.name().as_ref()))
}
