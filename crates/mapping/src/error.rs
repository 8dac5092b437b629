//! What can go wrong loading a map (a file that is not the format, an expression that is not
//! JSONPath) or writing a warehouse record back through one. Load errors name where the problem
//! is (the file or built-in map, and the line); reverse errors name the target and expression.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum MapError {
    /// A map or override file could not be read.
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    /// Not TOML, or not the map format (an unknown key, a missing `source`). The message is the
    /// TOML parser's and names the line and column.
    Format { origin: String, message: String },
    /// An attribute with a blank `target`: it would fill nothing.
    BlankTarget {
        origin: String,
        line: usize,
        expression: String,
    },
    /// One file names a target twice (targets compare ignoring case, as warehouse columns do).
    DuplicateTarget {
        origin: String,
        line: usize,
        target: String,
    },
    /// A `source` that is not JSONPath, even after the seeds' quirks are normalised away.
    InvalidExpression {
        origin: String,
        line: usize,
        target: String,
        expression: String,
        reason: String,
    },
    /// An override drops a target the map it applies to does not have (most likely a typo).
    UnknownDrop {
        origin: String,
        line: usize,
        target: String,
    },
    /// `reverse` was given a value for a target whose expression cannot be written back.
    NotReversible {
        target: String,
        expression: String,
        reason: String,
    },
    /// `reverse` would write a value where another target already wrote a different one, or
    /// through a place that holds a plain value.
    ReverseConflict { target: String, expression: String },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Read { path, reason } => {
                write!(f, "cannot read attribute map {}: {reason}", path.display())
            }
            MapError::Format { origin, message } => {
                write!(f, "{origin} is not an attribute map: {message}")
            }
            MapError::BlankTarget {
                origin,
                line,
                expression,
            } => write!(
                f,
                "{origin}, line {line}: the attribute with source {expression:?} has a blank target"
            ),
            MapError::DuplicateTarget {
                origin,
                line,
                target,
            } => write!(
                f,
                "{origin}, line {line}: target {target:?} is named more than once"
            ),
            MapError::InvalidExpression {
                origin,
                line,
                target,
                expression,
                reason,
            } => write!(
                f,
                "{origin}, line {line}: the source of target {target:?}, {expression:?}, is not a JSONPath expression: {reason}"
            ),
            MapError::UnknownDrop {
                origin,
                line,
                target,
            } => write!(
                f,
                "{origin}, line {line}: cannot drop target {target:?}: the map has no such target"
            ),
            MapError::NotReversible {
                target,
                expression,
                reason,
            } => write!(
                f,
                "target {target:?} cannot be written back through {expression:?}: {reason}"
            ),
            MapError::ReverseConflict { target, expression } => write!(
                f,
                "target {target:?} would overwrite, through {expression:?}, a value another target wrote"
            ),
        }
    }
}

impl std::error::Error for MapError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MapError::Read { reason, .. } => Some(reason),
            _ => None,
        }
    }
}
