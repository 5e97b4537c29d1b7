//! `--resume`: the targets an output file already holds, so a restarted scan (a killed pod, a
//! preempted node) does only the rest. A line cut short by the kill is removed: its target is
//! scanned again.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::ScanError;
use super::targets::key_hash;

/// What an existing output file holds.
#[derive(Debug, Default)]
pub struct Done {
    /// [`key_hash`] of every complete record's `key`.
    pub keys: HashSet<u64>,
    /// Complete records.
    pub records: u64,
    /// Bytes of an incomplete last line that were removed.
    pub truncated_bytes: u64,
}

/// Reads `path` (missing = nothing done) and cuts an incomplete last line off it.
pub fn load(path: &Path) -> Result<Done, ScanError> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Done::default()),
        Err(e) => {
            return Err(ScanError::Input(format!(
                "--resume: cannot open {}: {e}",
                path.display()
            )));
        }
    };
    let mut done = Done::default();
    let mut reader = BufReader::new(&file);
    let mut line = Vec::new();
    let mut good_end: u64 = 0;
    let mut pos: u64 = 0;
    loop {
        line.clear();
        let n = reader
            .by_ref()
            .take(16 << 20)
            .read_until(b'\n', &mut line)
            .map_err(|e| {
                ScanError::Input(format!("--resume: cannot read {}: {e}", path.display()))
            })?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        if line.last() != Some(&b'\n') {
            break;
        }
        #[derive(serde::Deserialize)]
        struct Key {
            key: String,
        }
        match serde_json::from_slice::<Key>(&line) {
            Ok(k) => {
                done.keys.insert(key_hash(&k.key));
                done.records += 1;
                good_end = pos;
            }
            Err(e) => {
                return Err(ScanError::Input(format!(
                    "--resume: {} line {} is not a tlsight scan record: {e}",
                    path.display(),
                    done.records + 1
                )));
            }
        }
    }
    let len = file
        .metadata()
        .map_err(|e| ScanError::Input(e.to_string()))?
        .len();
    if len > good_end {
        file.set_len(good_end).map_err(|e| {
            ScanError::Input(format!("--resume: cannot truncate {}: {e}", path.display()))
        })?;
        done.truncated_bytes = len - good_end;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_complete_lines_and_the_cut_tail_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(
            &p,
            "{\"key\":\"a:443\",\"status\":\"ok\"}\n{\"key\":\"b:443\"}\n{\"key\":\"c:4",
        )
        .unwrap();
        let d = load(&p).unwrap();
        assert_eq!(d.records, 2);
        assert!(d.keys.contains(&key_hash("a:443")));
        assert!(d.keys.contains(&key_hash("b:443")));
        assert!(!d.keys.contains(&key_hash("c:443")));
        assert_eq!(d.truncated_bytes, 11);
        assert!(
            std::fs::read_to_string(&p)
                .unwrap()
                .ends_with("\"b:443\"}\n")
        );
        assert_eq!(load(&dir.path().join("missing")).unwrap().records, 0);
        std::fs::write(&p, "not json\n").unwrap();
        assert!(load(&p).is_err());
    }
}
