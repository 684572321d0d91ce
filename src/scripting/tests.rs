//! The sandbox: each attack ends with an error naming the limit, and facts are read-only.
use super::*;
use rhai::{Dynamic, INT};

fn scripts() -> Scripts {
    Scripts::new(Limits::default())
}

fn eval(s: &Scripts, source: &str) -> Result<Dynamic, String> {
    let ast = s.compile(source).map_err(|e| e.message)?;
    run(&s.engine, &s.limits, &ast, &ScriptFacts::default())
        .map(|o| o.value)
        .map_err(|e| e.message)
}

#[test]
fn an_endless_loop_hits_the_operation_limit() {
    let err = eval(&scripts(), "loop { }").unwrap_err();
    assert!(err.contains("operation limit"), "{err}");
}

#[test]
fn a_slow_script_hits_the_wall_clock_deadline() {
    let s = Scripts::new(Limits {
        max_operations: u64::MAX / 2,
        deadline_ms: 50,
        ..Limits::default()
    });
    let err = eval(&s, "let x = 0; loop { x += 1; }").unwrap_err();
    assert!(err.contains("deadline (50 ms)"), "{err}");
}

#[test]
fn unbounded_recursion_hits_the_call_depth_limit() {
    let err = eval(&scripts(), "fn f(x) { f(x + 1) } f(0)").unwrap_err();
    assert!(err.contains("call depth limit"), "{err}");
}

#[test]
fn a_string_doubled_in_a_loop_hits_the_string_limit() {
    let err = eval(&scripts(), r#"let s = "ab"; loop { s += s; }"#).unwrap_err();
    assert!(err.contains("size limit (10000)"), "{err}");
}

#[test]
fn a_huge_array_hits_the_array_limit() {
    let err = eval(&scripts(), "let a = []; loop { a.push(1); }").unwrap_err();
    assert!(err.contains("size limit (1000)"), "{err}");
}

#[test]
fn an_expression_nested_ten_thousand_deep_is_refused_at_compile_time() {
    let source = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = scripts().compile(&source).unwrap_err();
    assert!(
        err.message.contains("expression depth limit"),
        "{}",
        err.message
    );
}

#[test]
fn import_and_eval_and_undefined_variables_are_refused() {
    let s = scripts();
    assert!(s.compile(r#"import "os" as os;"#).is_err());
    assert!(eval(&s, r#"eval("1 + 1")"#).is_err());
    let err = s.compile("x + 1").unwrap_err();
    assert!(
        err.message.contains("undefined variable `x`"),
        "{}",
        err.message
    );
    assert_eq!((err.line, err.column), (Some(1), Some(1)));
}

#[test]
fn a_host_function_called_with_bad_types_is_an_error_not_a_crash() {
    let err = eval(&scripts(), "days_between(1, 2)").unwrap_err();
    assert!(err.contains("no function"), "{err}");
    let err = eval(&scripts(), r#"days_between("yesterday", "today")"#).unwrap_err();
    assert!(err.contains("RFC 3339"), "{err}");
    let err = eval(&scripts(), "event.weekday").unwrap_err();
    assert!(err.contains("RFC 3339"), "{err}");
}

#[test]
fn facts_copied_into_variables_or_passed_to_functions_keep_their_values() {
    let s = scripts();
    let facts = ScriptFacts {
        referral: facts::ReferralFacts {
            amount: 6000,
            ..Default::default()
        },
        ..Default::default()
    };
    for source in [
        "let r = referral; r.amount > 5000",
        "fn big(x) { x.amount > 5000 } big(referral)",
    ] {
        let ast = s.compile(source).unwrap();
        assert!(
            run(&s.engine, &s.limits, &ast, &facts)
                .unwrap()
                .value
                .as_bool()
                .unwrap(),
            "{source}"
        );
    }
}

#[test]
fn facts_are_read_only() {
    assert!(eval(&scripts(), "referral = 1;").is_err());
    assert!(eval(&scripts(), "referral.amount = 1;").is_err());
}

#[test]
fn facts_are_visible_through_getters() {
    let s = scripts();
    let facts = ScriptFacts {
        referral: facts::ReferralFacts {
            email: "a@Example.com".into(),
            amount: 12_000,
            ..Default::default()
        },
        referrer: facts::ReferrerFacts {
            email: "b@example.com".into(),
            referral_count: 3,
            ..Default::default()
        },
        event: facts::EventFacts {
            at: "2026-11-21T10:00:00Z".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let ast = s.compile("referral.amount > 10000 && referral.email_domain == referrer.email_domain && event.weekday == 6").unwrap();
    let out = run(&s.engine, &s.limits, &ast, &facts).unwrap();
    assert!(out.value.as_bool().unwrap());
    assert!(out.operations > 0);
}

#[test]
fn kinds_check_what_scripts_return() {
    assert_eq!(
        Kind::Condition.check(&Dynamic::from(true)).unwrap(),
        serde_json::json!(true)
    );
    assert!(Kind::Condition.check(&Dynamic::from(1 as INT)).is_err());
    assert!(Kind::Amount.check(&Dynamic::from(-1 as INT)).is_err());
    assert_eq!(
        Kind::Amount.check(&Dynamic::from(150 as INT)).unwrap(),
        serde_json::json!(150)
    );
    assert!(Kind::Fraud.check(&Dynamic::from("maybe")).is_err());
    assert!(Kind::Fraud.check(&Dynamic::from("deny")).is_ok());
}

#[test]
fn the_cache_keeps_one_ast_per_version() {
    let s = scripts();
    let a = s.compiled(1, 1, "1").unwrap();
    let b = s.compiled(1, 1, "this source is ignored on a hit").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let c = s.compiled(1, 2, "2").unwrap();
    assert!(!Arc::ptr_eq(&a, &c));
    s.retire(1, 2);
    assert!(
        s.compiled(1, 1, "syntax error (").is_err(),
        "a retired version is compiled again"
    );
}

/// Every function signature a script can call, sorted: the registered host getters and helpers
/// plus every package function (rhai's built-in operators on primitive types are not listed).
fn callable_functions() -> Vec<String> {
    let mut signatures = scripts().engine.gen_fn_signatures(true);
    signatures.sort();
    signatures.dedup();
    signatures
}

#[test]
fn the_functions_a_script_can_call_are_exactly_the_committed_list() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/scripting/functions.txt");
    let actual = callable_functions();
    if std::env::var_os("VOUCH_UPDATE_FUNCTIONS").is_some() {
        std::fs::write(path, actual.join("\n") + "\n").unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let committed: Vec<&str> = committed.lines().filter(|l| !l.is_empty()).collect();
    let added: Vec<&String> = actual
        .iter()
        .filter(|f| !committed.contains(&f.as_str()))
        .collect();
    let removed: Vec<&&str> = committed
        .iter()
        .filter(|f| !actual.iter().any(|a| a == **f))
        .collect();
    let list = |items: Vec<&str>, sign: &str| match items.is_empty() {
        true => "  (none)".to_string(),
        false => items
            .iter()
            .map(|f| format!("  {sign} {f}"))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    assert!(
        added.is_empty() && removed.is_empty(),
        "the functions scripts can call changed (review each one, then rerun with \
         VOUCH_UPDATE_FUNCTIONS=1 to update src/scripting/functions.txt)\n\
         added ({}):\n{}\nremoved ({}):\n{}",
        added.len(),
        list(added.iter().map(|s| s.as_str()).collect(), "+"),
        removed.len(),
        list(removed.iter().map(|s| **s).collect(), "-"),
    );
}

#[test]
fn nothing_can_sleep_or_read_the_clock() {
    let s = scripts();
    for source in ["sleep(1); true", "timestamp(); true", "exit(); true"] {
        let err = eval(&s, source).unwrap_err();
        assert!(err.contains("no function"), "{source}: {err}");
    }
    for name in ["sleep", "timestamp", "elapsed", "exit", "parse_json"] {
        let prefix = format!("{name}(");
        assert!(
            !callable_functions().iter().any(|f| f.starts_with(&prefix)),
            "{name} is callable"
        );
    }
}

#[test]
fn the_everyday_functions_scripts_use_still_work() {
    let s = scripts();
    for source in [
        r#""a@B.com".to_lower().ends_with("b.com")"#,
        r#"let a = [1, 2, 3]; a.push(4); a.len() == 4 && 3 in a"#,
        r#"let m = #{a: 1}; m.keys().len() == 1 && "a" in m"#,
        r#"let n = 0; for i in range(0, 5) { n += i; } n == 10"#,
        r#"let t = 0; for c in "abc" { t += 1; } t == 3"#,
        r#"abs(-3) == 3 && max(2, 5) == 5 && parse_int("42") == 42"#,
        r#"let f = |x| x * 2; f.call(2) == 4 && [1, 2].map(|x| x + 1)[1] == 3"#,
        r#"`${1 + 1}` == "2" && "x".to_string() == "x""#,
        r#"print("silenced"); debug("silenced"); true"#,
    ] {
        assert!(eval(&s, source).unwrap().as_bool().unwrap(), "{source}");
    }
}

#[test]
fn a_replace_that_would_pass_the_string_limit_fails_before_it_allocates() {
    let s = scripts();
    for source in [
        r#"let s = ""; s.pad(10000, "a"); let t = s; t.replace("a", s); true"#,
        r#"let s = ""; s.pad(10000, "a"); let t = s; t.replace('a', s); true"#,
        r#"let s = ""; s.pad(5000, "a"); let t = s; t.replace("", "bb"); true"#,
        r#"let s = ""; s.pad(10000, "ab"); let t = s; t.replace("a", "xyz"); true"#,
    ] {
        let err = eval(&s, source).unwrap_err();
        assert!(
            err.contains("string size limit (10000) exceeded"),
            "{source}: {err}"
        );
    }
    for (source, expected) in [
        (r#"let t = "banana"; t.replace("an", "AN"); t"#, "bANANa"),
        (r#"let t = "banana"; t.replace('a', "o"); t"#, "bonono"),
        (r#"let t = "banana"; t.replace("na", '-'); t"#, "ba--"),
        (r#"let t = "banana"; t.replace('n', 'm'); t"#, "bamama"),
        (r#"let t = "ab"; t.replace("", "."); t"#, ".a.b."),
    ] {
        assert_eq!(
            eval(&s, source).unwrap().into_string().unwrap(),
            expected,
            "{source}"
        );
    }
}

/// A string of 9,990 `a`s, and a map `m` with `keys` keys of about 10 KB each: rhai's size
/// limits count the map's entries, not its keys' lengths.
fn big_map(keys: usize) -> String {
    format!(
        r#"let s = ""; s.pad(9990, "a"); let m = #{{}}; for i in 0..{keys} {{ m[s + i] = i; }} "#
    )
}

#[test]
fn what_rhai_does_not_size_is_stopped_by_the_memory_budget() {
    let s = scripts();
    for (name, bomb) in [
        (
            "map keys (the map bomb)",
            big_map(1000) + "let a = []; a.pad(1000, 0); a.map(|x| m); true",
        ),
        (
            "deep clones in map",
            big_map(600) + "let a = []; a.pad(1000, 0); a.map(|x| m); true",
        ),
        (
            "pad with a map",
            big_map(1) + "let a = []; a.pad(1000, m); true",
        ),
        (
            "concatenated arrays",
            big_map(400) + "let x = [m] + [m] + [m]; true",
        ),
        (
            "values of a map of maps",
            big_map(400) + "let v = #{a: m, b: m}; v.values(); true",
        ),
        (
            "push in a loop",
            big_map(400) + "let all = []; for i in 0..100 { all.push(m); } true",
        ),
        (
            "merged maps",
            big_map(400) + "let n = #{}; n += m; n.mixin(m); let o = m + m; true",
        ),
        (
            "arguments",
            big_map(400) + "fn f(m, n) { if n > 0 { f(m, n - 1) } } f(m, 15); true",
        ),
    ] {
        let err = eval(&s, &bomb).unwrap_err();
        assert!(
            err.contains("memory limit (8388608 bytes) exceeded"),
            "{name}: {err}"
        );
    }
    // One that makes a large value in one call fails on rhai's own size check of the result.
    let err = eval(&s, &(big_map(600) + "m.keys(); true")).unwrap_err();
    assert!(err.contains("string size limit (10000)"), "{err}");
}

#[test]
fn a_script_cannot_catch_a_stop_and_go_on() {
    let s = scripts();
    for catcher in [
        "let n = 0; loop { try { let a = [m, m]; } catch { n += 1; } }",
        "let n = 0; loop { try { [1].map(|x| [m, m, m]); } catch (e) { n += 1; } }",
    ] {
        let err = eval(&s, &(big_map(700) + catcher)).unwrap_err();
        assert!(err.contains("memory limit"), "{catcher}: {err}");
    }
    let s = Scripts::new(Limits {
        max_operations: u64::MAX / 2,
        deadline_ms: 50,
        ..Limits::default()
    });
    let err = eval(&s, "loop { try { [1].map(|x| { loop {} }) } catch { } }").unwrap_err();
    assert!(err.contains("deadline (50 ms)"), "{err}");
}

#[test]
fn the_budget_is_per_run_and_configurable() {
    let map = big_map(1000) + "m.len() == 1000";
    let unlimited = Scripts::new(Limits {
        max_memory_bytes: 0,
        ..Limits::default()
    });
    assert!(eval(&unlimited, &map).unwrap().as_bool().unwrap());
    let s = Scripts::new(Limits {
        max_memory_bytes: 1_000_000,
        ..Limits::default()
    });
    let err = eval(&s, &map).unwrap_err();
    assert!(err.contains("memory limit (1000000 bytes)"), "{err}");
    // What the thread held before a run, and what a stopped run left behind, is not the next
    // run's: a 500 KB map fits every run on the same thread.
    let held = vec![0u8; 4_000_000];
    let fits = big_map(50) + "m.len() == 50";
    for _ in 0..3 {
        assert!(eval(&s, &fits).unwrap().as_bool().unwrap());
        assert!(eval(&s, &map).is_err());
    }
    drop(held);
}

#[test]
fn a_stopped_run_names_the_limit_for_the_metrics() {
    let s = scripts();
    let ast = s.compile(&(big_map(1000) + "true")).unwrap();
    let err = run(&s.engine, &s.limits, &ast, &ScriptFacts::default()).unwrap_err();
    assert_eq!(err.limit, Some(Limit::Memory));
    let ast = s.compile("loop {}").unwrap();
    let err = run(&s.engine, &s.limits, &ast, &ScriptFacts::default()).unwrap_err();
    assert_eq!(err.limit, Some(Limit::Operations));
    let ast = s.compile(r#"parse_int("x") + "y""#).unwrap();
    let err = run(&s.engine, &s.limits, &ast, &ScriptFacts::default()).unwrap_err();
    assert_eq!(err.limit, None, "{}", err.message);
}
