//! Cursors and watermarks as the driver sees them: opaque text. Inside, a job's own checkpoint
//! as compact JSON, tagged with the job, so a cursor handed to the wrong job is refused rather
//! than misread.

use crate::JobError;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Serialize, serde::Deserialize)]
struct Tagged<T> {
    job: String,
    #[serde(flatten)]
    checkpoint: T,
}

pub fn encode<T: Serialize>(job: &str, checkpoint: T) -> String {
    serde_json::to_string(&Tagged { job: job.to_string(), checkpoint }).expect("checkpoints are plain data")
}

pub fn decode<T: DeserializeOwned>(job: &str, cursor: &str) -> Result<T, JobError> {
    let tagged: Tagged<T> = serde_json::from_str(cursor)
        .map_err(|e| JobError::InvalidCursor(format!("`{cursor}` is not a cursor of job {job}: {e}")))?;
    if tagged.job != job {
        return Err(JobError::InvalidCursor(format!("the cursor belongs to job {}, not {job}", tagged.job)));
    }
    Ok(tagged.checkpoint)
}
