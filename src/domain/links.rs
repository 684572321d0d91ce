//! The links a member shares and the URLs of their partner pages. Pure functions: where a
//! member's links lead is `members::MemberDetail::destination`, decided once there.
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986 unreserved characters stay as they are; everything else is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[derive(Debug, Clone)]
pub struct MemberLinks {
    /// Tracked share link: counts a view, then redirects to the program's site.
    pub share_url: String,
    /// The destination itself (program URL with `ref=<code>`), when the program has a URL.
    pub web_share_url: Option<String>,
    pub sms_share_url: String,
    pub whatsapp_share_url: String,
    pub email_share_url: String,
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// `url` with `ref=<code>` added to its query (kept valid whatever `url` already holds).
pub fn with_ref(url: &str, code: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    parsed.query_pairs_mut().append_pair("ref", code);
    Some(parsed.to_string())
}

pub fn member_links(
    base: &str,
    code: &str,
    destination: Option<&str>,
    offer: Option<&str>,
) -> MemberLinks {
    let share_url = format!("{base}/r/{}", enc(code));
    let message = match offer {
        Some(offer) => format!("{offer} {share_url}"),
        None => format!("Join with my referral link: {share_url}"),
    };
    MemberLinks {
        web_share_url: destination.and_then(|d| with_ref(d, code)),
        sms_share_url: format!("sms:?&body={}", enc(&message)),
        whatsapp_share_url: format!("https://wa.me/?text={}", enc(&message)),
        email_share_url: format!(
            "mailto:?subject={}&body={}",
            enc("An invitation for you"),
            enc(&message)
        ),
        share_url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_is_appended_to_any_destination() {
        assert_eq!(
            with_ref("https://shop.example.com/join", "JAN-1").unwrap(),
            "https://shop.example.com/join?ref=JAN-1"
        );
        assert_eq!(
            with_ref("https://shop.example.com/?a=1", "JAN-1").unwrap(),
            "https://shop.example.com/?a=1&ref=JAN-1"
        );
    }

    #[test]
    fn share_messages_are_percent_encoded() {
        let l = member_links("http://h", "JAN-1", None, Some("Get 10% & more"));
        assert_eq!(l.share_url, "http://h/r/JAN-1");
        assert!(
            l.sms_share_url.contains("10%25%20%26%20more"),
            "{}",
            l.sms_share_url
        );
        assert!(l.web_share_url.is_none());
    }
}
