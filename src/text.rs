//! Numbers as people read them in reports and panels.

/// Groups thousands with commas.
///
/// ```
/// use citytwin::text::thousands;
/// assert_eq!(thousands(12_345), "12,345");
/// assert_eq!(thousands(999), "999");
/// assert_eq!(thousands(1_000_000), "1,000,000");
/// ```
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
