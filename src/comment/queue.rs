//! Comments waiting on disk for the broker: one JSON file per comment, written atomically
//! (a temporary file renamed over), removed once the broker accepted the comment. A crash or
//! a broker away loses nothing; as each comment keeps its entity id, sending one twice finds
//! it there (409) and counts as done, so nothing is stored twice.
//!
//! ```
//! use citytwin::comment::{Comment, Draft, Limits, queue::Queue};
//! let dir = std::env::temp_dir().join(format!("citytwin-doc-queue-{}", std::process::id()));
//! let queue = Queue::open(&dir).unwrap();
//! let draft = Draft { category: "idea".into(), text: "Trees".into(), lonlat: [18.07, 59.33], ..Draft::default() };
//! let c = Comment::from_draft(&draft, &Limits::default(), 0).unwrap();
//! queue.put(&c).unwrap();
//! assert_eq!(queue.pending().0, vec![c.clone()]);
//! queue.remove(&c.id).unwrap();
//! assert!(queue.pending().0.is_empty());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use super::Comment;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A folder of comments waiting to be sent.
#[derive(Debug, Clone)]
pub struct Queue {
    dir: PathBuf,
}

impl Queue {
    /// Opens (and creates) the folder.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a comment waits in: its id's last part, letters and digits only.
    fn file(&self, id: &str) -> PathBuf {
        let name: String = id
            .rsplit(':')
            .next()
            .unwrap_or(id)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(64)
            .collect();
        self.dir.join(format!("{name}.json"))
    }

    /// Keeps a comment until [`Queue::remove`]: written to a temporary file, flushed to disk,
    /// then renamed, so the file is whole or absent after a power cut.
    pub fn put(&self, c: &Comment) -> std::io::Result<()> {
        let path = self.file(&c.id);
        let tmp = path.with_extension("json.tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(c)?)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)
    }

    /// Forgets a comment (the broker has it). Absent already is fine.
    pub fn remove(&self, id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.file(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The comments waiting, oldest first, and the files that could not be read (left as
    /// they are, for a person to look at; a half-written temporary file is not counted).
    pub fn pending(&self) -> (Vec<Comment>, Vec<PathBuf>) {
        let mut found = Vec::new();
        let mut unreadable = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (found, unreadable);
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            match std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Comment>(&b).ok())
            {
                Some(c) => found.push(c),
                None => unreadable.push(path),
            }
        }
        found.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        (found, unreadable)
    }
}
