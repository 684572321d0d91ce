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

/// Reading spreadsheets, bounded: CPU-bound work runs on the blocking pool (never on a thread
/// that serves requests), at most `readers` files at once on this instance, and one at a time
/// per org — so one tenant's uploads cannot take every reader from the others.
pub struct Imports {
    readers: Arc<Semaphore>,
    busy_orgs: Arc<Mutex<HashSet<i64>>>,
}

/// Frees the org's slot when the read ends, however it ends.
struct OrgSlot {
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

    /// Runs `work` for `org_id` on the blocking pool, within the limits above.
    pub async fn run<T: Send + 'static>(
        &self,
        org_id: i64,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let slot = {
            let mut orgs = self
                .busy_orgs
                .lock()
                .map_err(|_| AppError::Internal("import slots poisoned".into()))?;
            if !orgs.insert(org_id) {
                return Err(AppError::Busy(
                    "another upload of this org is being read; retry when it is done".into(),
                ));
            }
            OrgSlot {
                org_id,
                busy_orgs: self.busy_orgs.clone(),
            }
        };
        let permit = tokio::time::timeout(WAIT_FOR_READER, self.readers.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Busy("every spreadsheet reader is busy; retry shortly".into()))?
            .map_err(|_| AppError::Internal("import readers closed".into()))?;
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _slot = slot;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(format!("spreadsheet reader failed: {e}")))?;
        out
    }
}
