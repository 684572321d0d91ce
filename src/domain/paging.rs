//! Page requests: `page` ≥ 1 and `limit` 1–100 (default 20). Out of range is refused, never
//! clamped, so a client learns about its mistake.
use crate::error::{AppError, Result};

pub const MAX_LIMIT: u64 = 100;
pub const DEFAULT_LIMIT: u64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReq {
    pub page: u64,
    pub limit: u64,
}

impl PageReq {
    pub fn parse(page: Option<i64>, limit: Option<i64>) -> Result<PageReq> {
        let page = page.unwrap_or(1);
        if page < 1 {
            return Err(AppError::invalid(
                "page",
                format!("must be 1 or more, got {page}"),
            ));
        }
        let limit = limit.unwrap_or(DEFAULT_LIMIT as i64);
        if !(1..=MAX_LIMIT as i64).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
            ));
        }
        Ok(PageReq {
            page: page as u64,
            limit: limit as u64,
        })
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_page_one_of_twenty() {
        assert_eq!(
            PageReq::parse(None, None).unwrap(),
            PageReq { page: 1, limit: 20 }
        );
    }

    #[test]
    fn out_of_range_values_name_the_field() {
        let err = PageReq::parse(Some(0), None).unwrap_err().to_string();
        assert!(err.starts_with("page:"), "{err}");
        let err = PageReq::parse(None, Some(1000)).unwrap_err().to_string();
        assert!(err.starts_with("limit:"), "{err}");
        assert!(PageReq::parse(None, Some(0)).is_err());
        assert!(PageReq::parse(None, Some(100)).is_ok());
    }

    #[test]
    fn offset_counts_whole_pages() {
        assert_eq!(PageReq::parse(Some(3), Some(10)).unwrap().offset(), 20);
    }
}
