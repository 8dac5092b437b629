//! docs/benchmarks.md holds one section per benchmark; each bench rewrites only its own.

use std::path::PathBuf;

/// Replaces the section headed `## {title}` (up to the next `## `) with `body`, or appends it.
pub fn write_section(title: &str, body: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md");
    let current = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_string());
    let heading = format!("## {title}\n");
    let section = format!("{heading}\n{}\n", body.trim_end());
    let updated = match current.find(&heading) {
        Some(start) => {
            let rest = &current[start + heading.len()..];
            let end = rest.find("\n## ").map_or(current.len(), |i| start + heading.len() + i + 1);
            format!("{}{section}\n{}", &current[..start], &current[end..])
        }
        None => format!("{}\n{section}", current.trim_end_matches('\n').to_string() + "\n"),
    };
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, updated.trim_end().to_string() + "\n").unwrap();
    eprintln!("written to {}", path.display());
}
