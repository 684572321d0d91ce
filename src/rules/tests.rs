//! Evaluator tests: every ctype × every comparison, grouping, and a property test against a naive
//! reference formulation.
use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 15, 12, 0, 0).unwrap()
}

fn order(amount_minor: i64, items: i64, days_ago: i64) -> Order {
    Order {
        amount_minor,
        items,
        at: now() - Duration::days(days_ago),
    }
}

fn facts() -> Facts {
    Facts {
        now: now(),
        // 100.00 today, 50.00 40 days ago, 25.00 200 days ago; 6 items in all.
        referral_orders: vec![
            order(10_000, 1, 0),
            order(5_000, 2, 40),
            order(2_500, 3, 200),
        ],
        all_referral_orders: vec![
            order(10_000, 1, 0),
            order(5_000, 2, 40),
            order(2_500, 3, 200),
            order(20_000, 1, 10),
        ],
        referrer_referral_count: 4,
        script_results: HashMap::from([
            ("scr_yes".to_string(), Ok(true)),
            ("scr_no".to_string(), Ok(false)),
            ("scr_err".to_string(), Err("operation limit".to_string())),
        ]),
    }
}

fn cond(id: &str, ctype: CType, cmp: Comparison, threshold: Threshold) -> Condition {
    Condition {
        id: id.into(),
        ctype,
        comparison: Some(cmp),
        orderperiods: None,
        threshold,
        group: None,
        script_id: None,
    }
}

fn observed(ctype: CType) -> (i64, Threshold) {
    match ctype {
        CType::ReferralSales => (17_500, Threshold::Money(17_500)),
        CType::ItemsBought => (6, Threshold::Count(6)),
        CType::ReferralCount => (4, Threshold::Count(4)),
        CType::TotalSales => (37_500, Threshold::Money(37_500)),
        _ => unreachable!(),
    }
}

#[test]
fn every_measuring_ctype_honours_every_comparison() {
    for ctype in [
        CType::ReferralSales,
        CType::ItemsBought,
        CType::ReferralCount,
        CType::TotalSales,
    ] {
        let (value, _) = observed(ctype);
        for cmp in Comparison::ALL {
            for (delta, label) in [(-1, "below"), (0, "equal"), (1, "above")] {
                let threshold = value + delta;
                let t = if matches!(ctype, CType::ReferralSales | CType::TotalSales) {
                    Threshold::Money(threshold)
                } else {
                    Threshold::Count(threshold)
                };
                let d = evaluate(
                    &RuleWindow::default(),
                    &[cond("c", ctype, cmp, t)],
                    &facts(),
                );
                let want = match cmp {
                    Comparison::Gt => value > threshold,
                    Comparison::Ge => value >= threshold,
                    Comparison::Lt => value < threshold,
                    Comparison::Le => value <= threshold,
                    Comparison::Eq => value == threshold,
                    Comparison::Ne => value != threshold,
                };
                assert_eq!(d.passed, want, "{ctype:?} {cmp:?} threshold {label}");
                assert_eq!(d.conditions[0].observed, Some(value), "{ctype:?}");
                assert_eq!(d.conditions[0].threshold, Some(threshold));
                assert_eq!(d.conditions[0].comparison.as_deref(), Some(cmp.as_str()));
            }
        }
    }
}

#[test]
fn ctype_zero_always_passes_and_scripts_pass_on_true_only() {
    let none = Condition {
        id: "z".into(),
        ctype: CType::None,
        comparison: None,
        orderperiods: None,
        threshold: Threshold::None,
        group: None,
        script_id: None,
    };
    assert!(evaluate(&RuleWindow::default(), &[none], &facts()).passed);
    let script = |id: &str| Condition {
        id: "s".into(),
        ctype: CType::Script,
        comparison: None,
        orderperiods: None,
        threshold: Threshold::None,
        group: None,
        script_id: Some(id.into()),
    };
    assert!(evaluate(&RuleWindow::default(), &[script("scr_yes")], &facts()).passed);
    assert!(!evaluate(&RuleWindow::default(), &[script("scr_no")], &facts()).passed);
    let failed = evaluate(&RuleWindow::default(), &[script("scr_err")], &facts());
    assert!(!failed.passed);
    assert!(failed.conditions[0]
        .note
        .as_deref()
        .unwrap()
        .contains("operation limit"));
    assert!(!evaluate(&RuleWindow::default(), &[script("scr_missing")], &facts()).passed);
}

#[test]
fn no_conditions_pass() {
    assert!(evaluate(&RuleWindow::default(), &[], &facts()).passed);
}

#[test]
fn orderperiods_and_the_rule_window_limit_which_orders_count() {
    let mut c = cond(
        "c",
        CType::ReferralSales,
        Comparison::Eq,
        Threshold::Money(15_000),
    );
    c.orderperiods = Some(3); // the last three months: today's and 40 days ago
    assert!(evaluate(&RuleWindow::default(), &[c.clone()], &facts()).passed);
    let window = RuleWindow {
        start: Some(now() - Duration::days(5)),
        end: None,
    };
    c.threshold = Threshold::Money(10_000); // the window starts 5 days ago
    assert!(evaluate(&window, &[c.clone()], &facts()).passed);
    let ended = RuleWindow {
        start: None,
        end: Some(now() - Duration::days(30)),
    };
    c.orderperiods = None;
    c.threshold = Threshold::Money(7_500); // the window ended 30 days ago
    assert!(evaluate(&ended, &[c.clone()], &facts()).passed);
    let mut total = cond(
        "t",
        CType::TotalSales,
        Comparison::Eq,
        Threshold::Money(30_000),
    );
    total.orderperiods = Some(1);
    assert!(evaluate(&RuleWindow::default(), &[total], &facts()).passed);
}

fn flag(id: &str, pass: bool, group: Option<&str>) -> Condition {
    // ctype 3 with the referrer's count 4: ge 0 always passes, gt 100 never does.
    let mut c = cond(
        id,
        CType::ReferralCount,
        if pass { Comparison::Ge } else { Comparison::Gt },
        Threshold::Count(if pass { 0 } else { 100 }),
    );
    c.group = group.map(str::to_string);
    c
}

#[test]
fn groups_are_ored_inside_and_anded_together() {
    // (A or B or C) and (D or E)
    let case = |a, b, c, d, e| {
        let conds = [
            flag("A", a, Some("g1")),
            flag("B", b, Some("g1")),
            flag("C", c, Some("g1")),
            flag("D", d, Some("g2")),
            flag("E", e, Some("g2")),
        ];
        evaluate(&RuleWindow::default(), &conds, &facts())
    };
    assert!(case(true, false, false, false, true).passed);
    assert!(case(false, false, true, true, false).passed);
    assert!(!case(false, false, false, true, true).passed);
    assert!(!case(true, true, true, false, false).passed);
    let d = case(false, true, false, false, true);
    assert_eq!(d.groups.len(), 2);
    assert_eq!(d.groups[0].conditions, ["A", "B", "C"]);
    assert_eq!(d.groups[1].group.as_deref(), Some("g2"));
    assert!(d.groups.iter().all(|g| g.passed));
}

#[test]
fn ungrouped_conditions_are_each_their_own_and_term() {
    let d = evaluate(
        &RuleWindow::default(),
        &[
            flag("A", true, None),
            flag("B", false, None),
            flag("C", true, Some("g")),
        ],
        &facts(),
    );
    assert!(!d.passed);
    assert_eq!(d.groups.len(), 3);
    assert!(
        evaluate(
            &RuleWindow::default(),
            &[
                flag("A", true, None),
                flag("B", true, None),
                flag("C", false, Some("g")),
                flag("D", true, Some("g"))
            ],
            &facts()
        )
        .passed
    );
}

/// The reference: a rule passes when every condition passes or has a passing sibling in its
/// named group.
fn reference(conds: &[(bool, Option<u8>)]) -> bool {
    conds.iter().all(|(pass, group)| {
        *pass || group.is_some_and(|g| conds.iter().any(|(p, other)| *p && *other == Some(g)))
    })
}

proptest! {
    #[test]
    fn the_evaluator_agrees_with_the_reference(conds in prop::collection::vec((any::<bool>(), prop::option::of(0u8..4)), 0..12)) {
        let built: Vec<Condition> = conds.iter().enumerate()
            .map(|(i, (pass, g))| flag(&format!("c{i}"), *pass, g.map(|g| format!("g{g}")).as_deref()))
            .collect();
        let d = evaluate(&RuleWindow::default(), &built, &facts());
        prop_assert_eq!(d.passed, reference(&conds));
        prop_assert_eq!(d.conditions.len(), conds.len());
    }
}
