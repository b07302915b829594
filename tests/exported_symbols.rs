//! The built `libtorchrs.so` exports every function of torch-sys 0.26's C API: all names in
//! tools/gen/spec.txt (the `atg_*` ops) and tools/gen/hand_written.txt (the rest of torch_api.h),
//! except the seven `tch_*_stream_*` callbacks, which tch's Rust side defines and which the library
//! must only reference, never define.

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};

fn names(file: &str, pick: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tools/gen")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(pick)
        .collect()
}

/// The cdylib cargo built for this test run: `target/<profile>/deps/libtorchrs.so` (beside this
/// test binary; `cargo test` alone leaves it only there), else `target/<profile>/libtorchrs.so`.
fn library_path() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("target/<profile>/deps");
    let in_deps = deps.join("libtorchrs.so");
    if in_deps.exists() {
        return in_deps;
    }
    deps.parent().map(Path::to_path_buf).expect("target/<profile>").join("libtorchrs.so")
}

fn is_stream_callback(name: &str) -> bool {
    name.starts_with("tch_") && name.contains("_stream_")
}

struct Lib {
    handle: *mut libc::c_void,
    path: PathBuf,
}

impl Lib {
    fn open() -> Lib {
        let path = library_path();
        assert!(
            path.exists(),
            "{} does not exist; build the cdylib first (`cargo build`)",
            path.display()
        );
        let c = CString::new(path.to_str().expect("utf-8 path")).unwrap();
        let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            let err = unsafe { CStr::from_ptr(libc::dlerror()) };
            panic!("dlopen {}: {}", path.display(), err.to_string_lossy());
        }
        Lib { handle, path }
    }

    fn sym(&self, name: &str) -> *mut libc::c_void {
        let c = CString::new(name).unwrap();
        unsafe { libc::dlsym(self.handle, c.as_ptr()) }
    }

    /// Whether `name` resolves to a definition inside this library (not in a dependency).
    fn defines(&self, name: &str) -> bool {
        let p = self.sym(name);
        if p.is_null() {
            return false;
        }
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        if unsafe { libc::dladdr(p, &mut info) } == 0 || info.dli_fname.is_null() {
            return true;
        }
        let file = unsafe { CStr::from_ptr(info.dli_fname) }
            .to_string_lossy()
            .into_owned();
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        };
        same(Path::new(&file), &self.path)
    }
}

#[test]
fn exports_the_whole_c_api() {
    let atg = names("spec.txt", |l| {
        l.split_whitespace().next().map(String::from)
    });
    let hand = names("hand_written.txt", |l| Some(l.to_string()));
    assert_eq!(atg.len(), 2657, "spec.txt should list 2657 atg_ functions");
    assert_eq!(hand.iter().filter(|n| is_stream_callback(n)).count(), 7);

    let lib = Lib::open();
    let mut missing_atg = Vec::new();
    let mut missing_hand = Vec::new();
    let mut wrongly_defined = Vec::new();
    for n in &atg {
        if lib.sym(n).is_null() {
            missing_atg.push(n.as_str());
        }
    }
    for n in &hand {
        if is_stream_callback(n) {
            if lib.defines(n) {
                wrongly_defined.push(n.as_str());
            }
        } else if lib.sym(n).is_null() {
            missing_hand.push(n.as_str());
        }
    }
    let mut report = String::new();
    if !missing_atg.is_empty() {
        report += &format!(
            "{} atg_ functions are not exported:\n  {}\n",
            missing_atg.len(),
            missing_atg.join("\n  ")
        );
    }
    if !missing_hand.is_empty() {
        report += &format!(
            "{} hand-written functions are not exported:\n  {}\n",
            missing_hand.len(),
            missing_hand.join("\n  ")
        );
    }
    if !wrongly_defined.is_empty() {
        report += &format!(
            "these must be left to the host program, not defined by the library:\n  {}\n",
            wrongly_defined.join("\n  ")
        );
    }
    assert!(report.is_empty(), "{}: \n{report}", lib.path.display());
}
