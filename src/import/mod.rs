//! Employees in and out of Excel: the gate that checks a file before calamine opens it
//! (`gate`), the reader that turns the first sheet into rows and row errors (`read`), and the
//! xlsx writer for exports and the upload template (`write`). The API's upload, the BPM
//! command and the CLI import all read files through `read::read_employees`.
pub mod gate;
pub mod read;
pub mod write;

pub use gate::{Limits, LIMITS};
pub use read::{read_employees, Sheet};

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{AppError, Result};

/// How long an upload waits for a free reader before it is answered 429.
const WAIT_FOR_READER: Duration = Duration::from_secs(30);

/// Spreadsheet work, bounded: CPU-bound reading and writing runs on the blocking pool (never on
/// a thread that serves requests), at most `readers` files at once on this instance; and an org
/// runs one upload or export at a time (`claim`, held by the caller until its database writes
/// are done too) — so one tenant's uploads cannot take every reader, or queue writes, ahead of
/// the others.
pub struct Imports {
    readers: Arc<Semaphore>,
    busy_orgs: Arc<Mutex<HashSet<i64>>>,
}

/// An org's upload or export in progress; dropping it frees the org's turn.
pub struct OrgSlot {
    org_id: i64,
    busy_orgs: Arc<Mutex<HashSet<i64>>>,
}

impl Drop for OrgSlot {
    fn drop(&mut self) {
        if let Ok(mut orgs) = self.busy_orgs.lock() {
            orgs.remove(&self.org_id);
        }
    }
}

impl Imports {
    pub fn new(readers: usize) -> Imports {
        Imports {
            readers: Arc::new(Semaphore::new(readers.max(1))),
            busy_orgs: Arc::default(),
        }
    }

    /// The org's turn for one upload or export; 429 while another of the org's is running.
    pub fn claim(&self, org_id: i64) -> Result<OrgSlot> {
        let mut orgs = self
            .busy_orgs
            .lock()
            .map_err(|_| AppError::Internal("import slots poisoned".into()))?;
        if !orgs.insert(org_id) {
            return Err(AppError::Busy(
                "another upload or export of this org is in progress; retry when it is done".into(),
            ));
        }
        Ok(OrgSlot {
            org_id,
            busy_orgs: self.busy_orgs.clone(),
        })
    }

    /// Runs `work` (reading or writing a file) on the blocking pool once a reader is free
    /// (429 after 30 s). The caller holds its org's `claim`.
    pub async fn run<T: Send + 'static>(
        &self,
        _turn: &OrgSlot,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let permit = tokio::time::timeout(WAIT_FOR_READER, self.readers.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Busy("every spreadsheet reader is busy; retry shortly".into()))?
            .map_err(|_| AppError::Internal("import readers closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(format!("spreadsheet reader failed: {e}")))?
    }
}
