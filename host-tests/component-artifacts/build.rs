//! Builds the WebAssembly components with a nested `cargo build --target wasm32-wasip2` into
//! `components/target` (where spin.toml's sources point, so `spin up` and `scim-host up` run the
//! same files), reruns only when a file a component was built from changes (read from cargo's
//! dep-info), and refuses a component that no manifest reaches: a built component nobody can
//! call is dead weight, and a test component nobody runs is a test that never ran.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let components_dir = root.join("components");
    let target_dir = components_dir.join("target");
    let product_manifest = root.join("spin.toml");
    let test_manifest = root.join("host-tests/test-components/spin.toml");

    let product = cdylib_members(&components_dir);
    let tests = cdylib_members(&root.join("host-tests/test-components"));
    check_reached(&product, &manifest_components(&product_manifest), &product_manifest);
    check_reached(&tests, &manifest_components(&test_manifest), &test_manifest);

    ensure_target_installed();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(components_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--workspace");
    // The outer build's flags are for the host, not for wasm.
    for var in ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"] {
        build.env_remove(var);
    }
    let status = build.status().expect("cannot run cargo to build the components");
    assert!(status.success(), "building the WebAssembly components failed (see the errors above)");

    let out_dir = target_dir.join(TARGET).join("release");
    let mut generated = String::new();
    generated.push_str(&format!("/// The connector's Spin manifest.\npub const SPIN_MANIFEST: &str = {:?};\n", product_manifest));
    generated.push_str(&format!("/// The test components' Spin manifest.\npub const TEST_MANIFEST: &str = {:?};\n", test_manifest));
    generated.push_str("/// (component id, built .wasm) for every product component.\npub const COMPONENTS: &[(&str, &str)] = &[\n");
    for (name, _) in &product {
        generated.push_str(&format!("    ({name:?}, {:?}),\n", wasm_path(&out_dir, name)));
    }
    generated.push_str("];\n/// (component id, built .wasm) for every test component.\npub const TEST_COMPONENTS: &[(&str, &str)] = &[\n");
    for (name, _) in &tests {
        generated.push_str(&format!("    ({name:?}, {:?}),\n", wasm_path(&out_dir, name)));
    }
    generated.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("artifacts.rs");
    std::fs::write(out, generated).unwrap();

    for (name, _) in product.iter().chain(&tests) {
        let dep_info = out_dir.join(format!("{}.d", name.replace('-', "_")));
        rerun_for_dep_info(&dep_info);
    }
    for path in [&product_manifest, &test_manifest, &components_dir.join("Cargo.toml"), &components_dir.join("Cargo.lock"), &root.join("wit")] {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed={}", components_dir.join("gateway/routes.txt").display());
}

fn wasm_path(out_dir: &Path, name: &str) -> PathBuf {
    out_dir.join(format!("{}.wasm", name.replace('-', "_")))
}

/// (package name, directory) of every crate directly under `dir` that builds a cdylib.
fn cdylib_members(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return members };
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
        let parsed: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let is_cdylib = parsed
            .get("lib")
            .and_then(|lib| lib.get("crate-type"))
            .and_then(|types| types.as_array())
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("cdylib")));
        if is_cdylib {
            let name = parsed["package"]["name"].as_str().unwrap().to_string();
            members.push((name, entry.path()));
        }
    }
    members.sort();
    members
}

fn manifest_components(manifest: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let parsed: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    parsed
        .get("component")
        .and_then(|c| c.as_table())
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

/// A static assertion that every component is reachable, and every declared one exists.
fn check_reached(crates: &[(String, PathBuf)], declared: &BTreeSet<String>, manifest: &Path) {
    let built: BTreeSet<String> = crates.iter().map(|(name, _)| name.clone()).collect();
    if let Some(name) = built.difference(declared).next() {
        panic!("component `{name}` is built but {} does not declare it: no route or job can reach it", manifest.display());
    }
    if let Some(name) = declared.difference(&built).next() {
        panic!("{} declares component `{name}`, but there is no crate for it", manifest.display());
    }
}

/// rustup 1.29 does not add a missing target to an installed toolchain during `cargo build`.
fn ensure_target_installed() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc).args(["--print", "sysroot"]).output().expect("cannot run rustc");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).exists() {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    let status = rustup.status().expect("the wasm32-wasip2 target is missing and rustup could not be run to add it");
    assert!(status.success(), "`rustup target add {TARGET}` failed");
}

/// Cargo's dep-info (`name.d`) lists every source file the component was built from.
fn rerun_for_dep_info(dep_info: &Path) {
    let Ok(text) = std::fs::read_to_string(dep_info) else { return };
    let Some((_, deps)) = text.split_once(": ") else { return };
    let mut path = String::new();
    let mut chars = deps.chars().peekable();
    let emit = |path: &mut String| {
        if !path.is_empty() && !path.contains("/.cargo/registry/") {
            println!("cargo:rerun-if-changed={path}");
        }
        path.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                path.push(' ');
                chars.next();
            }
            ' ' | '\n' => emit(&mut path),
            c => path.push(c),
        }
    }
    emit(&mut path);
}
