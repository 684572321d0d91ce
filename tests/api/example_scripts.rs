//! The example tenant scripts in `scripts/rules/` compile in the hardened engine and give the
//! answers their comments promise.
use vouch::scripting::facts::{EventFacts, ReferralFacts, ReferrerFacts};
use vouch::scripting::{run, Kind, Limits, ScriptFacts, Scripts};

fn answer(file: &str, kind: Kind, facts: ScriptFacts) -> serde_json::Value {
    let path = format!("{}/scripts/rules/{file}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let scripts = Scripts::new(Limits::default());
    let ast = scripts
        .compile(&source)
        .unwrap_or_else(|e| panic!("{file} does not compile: {e:?}"));
    let out = run(&scripts.engine, &scripts.limits, &ast, &facts)
        .unwrap_or_else(|e| panic!("{file} failed: {e:?}"));
    kind.check(&out.value)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn purchase(purchases: i64, amount: i64) -> ScriptFacts {
    ScriptFacts {
        referral: ReferralFacts {
            purchases,
            ..Default::default()
        },
        event: EventFacts {
            kind: "purchase".into(),
            amount,
            at: "2026-11-20T10:00:00Z".into(),
        },
        ..Default::default()
    }
}

#[test]
fn first_purchase_over_threshold_pays_only_a_large_first_purchase() {
    let f = "first_purchase_over_threshold.rhai";
    assert_eq!(answer(f, Kind::Condition, purchase(1, 5001)), true);
    assert_eq!(answer(f, Kind::Condition, purchase(1, 5000)), false);
    assert_eq!(answer(f, Kind::Condition, purchase(2, 9000)), false);
    let mut not_a_purchase = purchase(1, 9000);
    not_a_purchase.event.kind = "referral_created".into();
    assert_eq!(answer(f, Kind::Condition, not_a_purchase), false);
}

fn emails(referral: &str, referrer: &str) -> ScriptFacts {
    ScriptFacts {
        referral: ReferralFacts {
            email: referral.into(),
            ..Default::default()
        },
        referrer: ReferrerFacts {
            email: referrer.into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn referrals_from_the_referrers_own_domain_do_not_count() {
    let f = "same_email_domain_does_not_count.rhai";
    assert_eq!(
        answer(f, Kind::Condition, emails("ann@acme.com", "bob@ACME.com")),
        false
    );
    assert_eq!(
        answer(f, Kind::Condition, emails("ann@other.org", "bob@acme.com")),
        true
    );
    assert_eq!(
        answer(f, Kind::Condition, emails("ann@gmail.com", "bob@gmail.com")),
        true
    );
}

fn at(time: &str) -> ScriptFacts {
    ScriptFacts {
        event: EventFacts {
            at: time.into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn weekend_bonus_pays_half_again_on_saturdays_and_sundays() {
    let f = "weekend_bonus.rhai";
    assert_eq!(answer(f, Kind::Amount, at("2026-11-21T09:00:00Z")), 1500); // Saturday
    assert_eq!(answer(f, Kind::Amount, at("2026-11-22T23:59:59Z")), 1500); // Sunday
    assert_eq!(answer(f, Kind::Amount, at("2026-11-23T00:00:00Z")), 1000); // Monday
}

#[test]
fn tiered_amount_grows_with_the_referrers_referral_count() {
    let f = "tiered_amount.rhai";
    let count = |n| ScriptFacts {
        referrer: ReferrerFacts {
            referral_count: n,
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(answer(f, Kind::Amount, count(0)), 1000);
    assert_eq!(answer(f, Kind::Amount, count(4)), 1000);
    assert_eq!(answer(f, Kind::Amount, count(5)), 1500);
    assert_eq!(answer(f, Kind::Amount, count(19)), 1500);
    assert_eq!(answer(f, Kind::Amount, count(20)), 2500);
}
