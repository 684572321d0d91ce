//! A seeded random sequence of manual reward creates, issues, payouts and removals for a few
//! members in two orgs, checking afterwards that nothing was paid twice, that each transaction
//! is the sum of its rewards, that no more was paid than earned, and that neither org sees the
//! other's rows. SQLite and PostgreSQL.

use crate::rewards::{member, world, World};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// A small deterministic generator (the sequence is the same on every run and database).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

struct OrgState {
    w: World,
    members: Vec<Value>,
    rewards: Vec<String>,
    earned: i64,
}

db_test!(
    async fn random_reward_and_payout_sequences_never_pay_twice_or_across_orgs(app) {
        let mut orgs = Vec::new();
        for name in ["Acme", "Beta"] {
            let w = world(&app, name).await;
            let bob = member(&app, &w, "Bob").await;
            let members = vec![w.jane.clone(), bob];
            orgs.push(OrgState { w, members, rewards: vec![], earned: 0 });
        }
        let mut rng = Lcg(20261121);
        for _ in 0..60 {
            let o = &mut orgs[rng.below(2) as usize];
            let k = o.w.org.owner_key.clone();
            match rng.below(4) {
                0 | 1 => {
                    let m = &o.members[rng.below(2) as usize];
                    let amount = 1 + rng.below(20) as i64;
                    let mut new_reward = json!({"payoutId": o.w.payout["id"], "amount": amount});
                    if rng.below(4) == 0 {
                        new_reward["eligibilityDate"] = json!("2999-01-01T00:00:00Z");
                    }
                    let (s, b) = app
                        .post("/api/rewards", &k, json!([{"memberQuery": {"primaryInfo": {"memberId": m["id"]}}, "newReward": new_reward}]))
                        .await;
                    assert_eq!(s, 200, "{b}");
                    o.rewards.push(b[0]["reward"]["id"].as_str().unwrap().to_string());
                    o.earned += amount;
                }
                2 if !o.rewards.is_empty() => {
                    let id = o.rewards[rng.below(o.rewards.len() as u64) as usize].clone();
                    if rng.below(2) == 0 {
                        let (s, b) = app.post("/api/rewards/issue", &k, json!({"rewardId": id})).await;
                        assert!(s == 200 || s == 404, "{s} {b}");
                    } else {
                        let (s, b) = app.post("/api/rewards/remove", &k, json!([id])).await;
                        assert_eq!(s, 200, "{b}");
                    }
                }
                _ => {
                    let mut body = json!({"payoutId": o.w.payout["id"]});
                    if rng.below(2) == 0 {
                        body["recipientId"] = o.members[rng.below(2) as usize]["id"].clone();
                    }
                    let q = if rng.below(3) == 0 { "?overrideIneligible=true" } else { "" };
                    let (s, b) = app.post(&format!("/api/payouts/transactions{q}"), &k, body).await;
                    assert_eq!(s, 200, "{b}");
                }
            }
        }
        let mut seen_rewards: HashMap<String, String> = HashMap::new();
        let mut seen_transactions: HashSet<String> = HashSet::new();
        for o in &orgs {
            let k = &o.w.org.owner_key;
            let (_, list) = app.get("/api/rewards?count=100", k).await;
            let rewards = list["rewards"].as_array().unwrap();
            let (_, txs) = app.get("/api/payouts/transactions?count=100", k).await;
            let txs = txs["payoutTransactions"].as_array().unwrap();
            let mut paid_cents = 0i64;
            for t in txs {
                let id = t["id"].as_str().unwrap().to_string();
                assert!(seen_transactions.insert(id.clone()), "a transaction shows in two orgs");
                let in_t: Vec<&Value> = rewards.iter().filter(|r| r["transactionID"] == t["id"]).collect();
                assert!(!in_t.is_empty(), "a transaction without rewards: {t}");
                let sum: i64 = in_t.iter().map(|r| (r["amount"].as_f64().unwrap() * 100.0).round() as i64).sum();
                let amount = (t["amount"].as_f64().unwrap() * 100.0).round() as i64;
                assert_eq!(sum, amount, "transaction {id} is the sum of its rewards");
                assert_eq!(t["rewardCount"].as_u64().unwrap(), in_t.len() as u64);
                paid_cents += amount;
            }
            for r in rewards {
                let id = r["id"].as_str().unwrap().to_string();
                assert!(seen_rewards.insert(id, o.w.org.id.clone()).is_none(), "a reward shows in two orgs");
                assert!(o.rewards.contains(&r["id"].as_str().unwrap().to_string()), "only this org's rewards: {r}");
                if r["transactionID"].is_string() {
                    assert_eq!(r["status"], "Issued");
                }
                if r["status"] == "Issued" && r["transactionID"].is_null() {
                    paid_cents += (r["amount"].as_f64().unwrap() * 100.0).round() as i64;
                }
            }
            assert!(paid_cents <= o.earned * 100, "paid {paid_cents} of {} earned", o.earned * 100);
        }
        // The sequence exercised what it checks.
        assert!(!seen_transactions.is_empty(), "no payout happened");
        let removed = orgs.iter().map(|o| o.rewards.len()).sum::<usize>() - seen_rewards.len();
        assert!(removed > 0, "no removal happened");
    }
);
