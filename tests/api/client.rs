//! A Rust client generated from the committed spec (progenitor) drives the server on a real
//! TCP port: create → lookup → deactivate → list. Progenitor cannot build multipart bodies, so
//! it reads `openapi/openapi.rust-client.json`: the same spec without the multipart upload.

mod generated {
    progenitor::generate_api!(
        spec = "openapi/openapi.rust-client.json",
        derives = [PartialEq]
    );
}

use generated::types;

fn client_for(base: &str, key: &str) -> generated::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {key}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    generated::Client::new_with_client(base, http)
}

#[tokio::test]
async fn generated_client_creates_looks_up_deactivates_and_lists() {
    let app = crate::common::TestApp::sqlite().await;
    let admin = client_for(&app.base, crate::common::ADMIN_KEY);
    let org = admin
        .create_org(&types::CreateOrgRequest {
            name: "Client Co".parse().unwrap(),
        })
        .await
        .unwrap()
        .into_inner();
    let tenant = client_for(&app.base, &org.owner_key);

    let created = tenant
        .create_referral_code_record(&types::CreateReferralCodeRecord {
            mentor_id: "usr_4491".parse().unwrap(),
            org_id: Some(org.id.parse().unwrap()),
            code: Some("jan-verv-8f3a".parse().unwrap()),
            first_name: None,
            last_name: None,
            email: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.code, "JAN-VERV-8F3A");
    assert_eq!(created.status, types::CodeStatus::Active);

    let found = tenant
        .lookup_referral_code_record(&"jan-verv-8f3a".parse().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found, created);

    let off = tenant
        .update_referral_code_record(
            &created.id.parse().unwrap(),
            &types::UpdateReferralCodeRecord {
                status: types::CodeStatus::Inactive,
                deactivated_at: None,
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(off.status, types::CodeStatus::Inactive);
    assert!(off.deactivated_at.is_some());

    let list = tenant
        .list_referral_code_records(None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.pagination.total, 1);
    assert_eq!(list.data[0].id, created.id);
    assert_eq!(list.data[0].status, types::CodeStatus::Inactive);

    // Errors arrive as the documented envelope.
    let err = tenant
        .get_referral_code_record(&"rc_doesnotexist".parse().unwrap())
        .await
        .unwrap_err();
    match err {
        generated::Error::ErrorResponse(resp) => {
            assert_eq!(resp.status().as_u16(), 404);
            assert_eq!(resp.into_inner().error.code, types::ErrorCode::NotFound);
        }
        other => panic!("expected a 404 envelope, got {other:?}"),
    }
}
