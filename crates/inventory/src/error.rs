//! Why a step failed, sorted by what the driver should do next: fix the cursor, start a full
//! run, wait and retry the same step, or give up.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobError {
    /// The cursor or watermark is not one this job gave out.
    InvalidCursor(String),
    /// Graph no longer accepts the watermark: only a full run can give a new one.
    ResyncRequired(String),
    /// Graph throttled or failed for now; the same step can be retried.
    Unavailable { detail: String, retry_after_seconds: Option<u32> },
    /// Graph refused the request or the job is misconfigured; retrying will not help.
    Failed(String),
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::InvalidCursor(detail) => write!(f, "invalid cursor: {detail}"),
            JobError::ResyncRequired(detail) => write!(f, "a full inventory is needed: {detail}"),
            JobError::Unavailable { detail, retry_after_seconds: Some(seconds) } => {
                write!(f, "Microsoft Graph is unavailable (retry after {seconds} s): {detail}")
            }
            JobError::Unavailable { detail, retry_after_seconds: None } => {
                write!(f, "Microsoft Graph is unavailable: {detail}")
            }
            JobError::Failed(detail) => write!(f, "{detail}"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<graph::Error> for JobError {
    fn from(error: graph::Error) -> Self {
        match &error {
            graph::Error::Graph { status: 429 | 503 | 504, retry_after, .. } => JobError::Unavailable {
                detail: error.to_string(),
                retry_after_seconds: retry_after.map(|seconds| seconds.min(u32::MAX as u64) as u32),
            },
            graph::Error::Graph { status, .. } if *status >= 500 => {
                JobError::Unavailable { detail: error.to_string(), retry_after_seconds: None }
            }
            graph::Error::Transport(_) => JobError::Unavailable { detail: error.to_string(), retry_after_seconds: None },
            _ => JobError::Failed(error.to_string()),
        }
    }
}
