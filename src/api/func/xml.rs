//! `out=xml`: BILLmanager's documents, written by hand. A list is
//! `<doc><elem><id>1</id><name>…</name></elem>…</doc>`, a change `<doc><ok/><id>…</id></doc>`, the
//! form of `.edit` without `sok` `<doc><elid>…</elid><name>…</name>…</doc>`, an error
//! `<doc><error type="…" object="…" value="…"><msg>…</msg></error></doc>`. `func` is left out (the
//! caller knows what it called).
use serde_json::{Map, Value};

/// The XML document for a JSON answer of the func surface (see the module docs).
pub fn document(answer: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc>");
    if let Value::Object(map) = answer {
        for (key, value) in ordered(map) {
            match (key.as_str(), value) {
                ("func", _) => {}
                ("ok", Value::Bool(true)) => out.push_str("<ok/>"),
                ("ok", _) => {}
                ("error", Value::Object(detail)) => error(&mut out, detail),
                (_, Value::Array(items)) => {
                    for item in items {
                        element(&mut out, key, item);
                    }
                }
                _ => element(&mut out, key, value),
            }
        }
    }
    out.push_str("</doc>");
    out
}

/// `ok`, `id` and `elid` first (as BILLmanager writes them), then the rest by name.
fn ordered(map: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    const FIRST: [&str; 3] = ["ok", "id", "elid"];
    let first = FIRST.iter().filter_map(|k| map.get_key_value(*k));
    first.chain(map.iter().filter(|(k, _)| !FIRST.contains(&k.as_str())))
}

fn error(out: &mut String, detail: &Map<String, Value>) {
    let attr = |name: &str| detail.get(name).and_then(Value::as_str).unwrap_or("");
    out.push_str("<error");
    for name in ["type", "object", "value"] {
        out.push_str(&format!(" {name}=\""));
        escape(out, attr(name), true);
        out.push('"');
    }
    out.push_str("><msg>");
    escape(out, attr("msg"), false);
    out.push_str("</msg></error>");
}

/// `<name>…</name>`: text escaped, an object's fields as child elements. Names are this
/// surface's own field names, never input.
fn element(out: &mut String, name: &str, value: &Value) {
    debug_assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
        "not an XML name: {name}"
    );
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Object(fields) => {
            for (k, v) in ordered(fields) {
                element(out, k, v);
            }
        }
        Value::String(s) => escape(out, s, false),
        Value::Null => {}
        other => escape(out, &other.to_string(), false),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Escapes text (or an attribute value): markup characters become entities, characters XML 1.0
/// cannot carry become U+FFFD, and in attributes white space is kept as character references
/// (parsers would otherwise normalise it to spaces).
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

/// XML 1.0's `Char` production.
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    #[test]
    fn a_list_is_one_elem_per_item_with_a_child_per_field() {
        let doc = document(&json!({"elem": [{"id": "1", "name": "a<&>b"}, {"id": "2"}]}));
        assert_eq!(
            doc,
            format!("{HEAD}<doc><elem><id>1</id><name>a&lt;&amp;&gt;b</name></elem><elem><id>2</id></elem></doc>")
        );
        assert_eq!(document(&json!({"elem": []})), format!("{HEAD}<doc></doc>"));
    }

    #[test]
    fn a_change_is_ok_and_the_id() {
        let doc = document(&json!({"func": "referralprogram.edit", "ok": true, "id": "7"}));
        assert_eq!(doc, format!("{HEAD}<doc><ok/><id>7</id></doc>"));
        let form = document(
            &json!({"func": "referralprogram.edit", "name": "n", "elid": "7", "amount": "1"}),
        );
        assert_eq!(
            form,
            format!("{HEAD}<doc><elid>7</elid><amount>1</amount><name>n</name></doc>")
        );
    }

    #[test]
    fn an_error_carries_its_details_as_attributes_and_the_message() {
        let doc = document(
            &json!({"error": {"type": "value", "object": "name", "value": "\"x'\n", "msg": "bad <name>"}}),
        );
        assert_eq!(
            doc,
            format!("{HEAD}<doc><error type=\"value\" object=\"name\" value=\"&quot;x&apos;&#10;\"><msg>bad &lt;name&gt;</msg></error></doc>")
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let doc = document(&json!({"name": "a\u{0}b\u{1b}c\r\n"}));
        assert_eq!(
            doc,
            format!("{HEAD}<doc><name>a\u{FFFD}b\u{FFFD}c&#13;\n</name></doc>")
        );
    }
}
