//! Who counts as the same person when a member would refer themself (issue 9, fraud hard
//! block): two addresses name one mailbox when they are equal after normalising letter case,
//! dropping a `+tag` from the local part, and, at Gmail, dropping dots (Gmail ignores them and
//! treats `googlemail.com` as `gmail.com`). Other providers' dots are kept: at most providers
//! `j.doe` and `jdoe` are different people.
use crate::domain::values::Email;

const GMAIL_DOMAINS: [&str; 2] = ["gmail.com", "googlemail.com"];

/// The mailbox an address delivers to, as a comparable string.
pub fn mailbox(email: &Email) -> String {
    // `Email` is already trimmed and lower-cased, and has exactly one `@`.
    let (local, domain) = email
        .as_str()
        .split_once('@')
        .expect("a parsed Email has an @");
    let local = local.split_once('+').map_or(local, |(base, _tag)| base);
    if GMAIL_DOMAINS.contains(&domain) {
        format!("{}@gmail.com", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

/// Do two addresses deliver to the same mailbox?
pub fn same_mailbox(a: &Email, b: &Email) -> bool {
    mailbox(a) == mailbox(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn case_and_plus_tags_do_not_make_another_person() {
        assert!(same_mailbox(
            &email("Ann@Acme.com"),
            &email("ann+promo@acme.com")
        ));
        assert_eq!(mailbox(&email("ANN+x+y@ACME.COM")), "ann@acme.com");
    }

    #[test]
    fn gmail_ignores_dots_and_knows_googlemail() {
        assert!(same_mailbox(
            &email("j.o.e@gmail.com"),
            &email("joe+x@googlemail.com")
        ));
    }

    #[test]
    fn other_providers_keep_their_dots_and_domains_matter() {
        assert!(!same_mailbox(
            &email("j.doe@acme.com"),
            &email("jdoe@acme.com")
        ));
        assert!(!same_mailbox(
            &email("ann@acme.com"),
            &email("ann@acme.org")
        ));
    }
}
