//! `GET /api/programs` and `GET /api/program/getsingle` in 003's shapes.
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::RrError;
use crate::api::wire::{Count, IdText, Offset};
use crate::api::{ApiAuth, ApiTags, State};
use crate::domain::members::parse_window;
use crate::domain::programs::{self, ProgramView};
use crate::error::AppError;

pub struct RrProgramsApi {
    pub state: State,
}

/// A program as 003 shows it.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RrProgram {
    pub id: String,
    pub name: String,
    pub title: String,
    #[oai(rename = "type")]
    pub program_type: String,
    pub is_active: bool,
    pub member_offer: Option<String>,
    pub referral_offer: Option<String>,
    /// The program's site (members' links append `ref=<code>`).
    pub direct_url: Option<String>,
    /// Share widgets are per member (see /api/memberaccessurls); programs have none, so null.
    pub widget_url: Option<String>,
}

impl From<ProgramView> for RrProgram {
    fn from(p: ProgramView) -> Self {
        RrProgram {
            id: p.id,
            name: p.name,
            title: p.title,
            program_type: p.program_type,
            is_active: p.is_active,
            member_offer: p.member_offer,
            referral_offer: p.referral_offer,
            direct_url: p.url,
            widget_url: None,
        }
    }
}

#[derive(Object)]
pub struct RrProgramList {
    pub programs: Vec<RrProgram>,
    pub offset: u64,
    pub total: u64,
    pub message: Option<String>,
}

#[OpenApi(tag = "ApiTags::ReferralRock")]
impl RrProgramsApi {
    /// Get a list of referral programs
    #[oai(
        path = "/api/programs",
        method = "get",
        operation_id = "rrListPrograms"
    )]
    async fn list(
        &self,
        auth: ApiAuth,
        /// Only this program (id, name or title).
        #[oai(name = "programId")]
        program_id: Query<Option<IdText>>,
        /// 0-based index of the first program.
        offset: Query<Option<Offset>>,
        /// How many programs, 1–100 (default 20).
        count: Query<Option<Count>>,
    ) -> Result<Json<RrProgramList>, RrError> {
        let ctx = self.state.tenant(auth, "rrListPrograms").await?;
        let (offset, count) = parse_window(offset.0.map(Into::into), count.0.map(Into::into))?;
        if let Some(key) = program_id
            .0
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            let found = match programs::lookup(&ctx, &self.state.db, "programId", key).await {
                Ok(program) => vec![program.into()],
                Err(AppError::NotFound(_)) => vec![],
                Err(e) => return Err(e.into()),
            };
            let total = found.len() as u64;
            let programs = if offset == 0 { found } else { vec![] };
            return Ok(Json(RrProgramList {
                programs,
                offset,
                total,
                message: None,
            }));
        }
        let page = programs::list(&ctx, &self.state.db, offset, count).await?;
        let programs = page.items.into_iter().map(RrProgram::from).collect();
        Ok(Json(RrProgramList {
            programs,
            offset,
            total: page.total,
            message: None,
        }))
    }

    /// Get a single program by name
    #[oai(
        path = "/api/program/getsingle",
        method = "get",
        operation_id = "rrGetProgram"
    )]
    async fn get_single(
        &self,
        auth: ApiAuth,
        /// The program's name.
        #[oai(name = "programName")]
        program_name: Query<IdText>,
    ) -> Result<Json<RrProgram>, RrError> {
        let ctx = self.state.tenant(auth, "rrGetProgram").await?;
        let program =
            programs::lookup(&ctx, &self.state.db, "programName", &program_name.0).await?;
        Ok(Json(program.into()))
    }
}
