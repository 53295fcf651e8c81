//! A line-based unified diff (longest common subsequence), for golden mismatches.

/// Lines of context shown around each change.
pub const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Remove,
    Add,
}

/// The edit script turning `old` into `new`: (op, old index, new index).
fn script(old: &[&str], new: &[&str]) -> Vec<(Op, usize, usize)> {
    // Trim the common prefix and suffix first: transcripts usually differ in a few lines.
    let prefix = old
        .iter()
        .zip(new.iter())
        .take_while(|(left, right)| left == right)
        .count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(left, right)| left == right)
        .count();
    let (a, b) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let width = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let mut ops: Vec<(Op, usize, usize)> = (0..prefix).map(|k| (Op::Keep, k, k)).collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((Op::Keep, prefix + i, prefix + j));
            i += 1;
            j += 1;
        } else if i < a.len()
            && (j == b.len() || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])
        {
            ops.push((Op::Remove, prefix + i, prefix + j));
            i += 1;
        } else {
            ops.push((Op::Add, prefix + i, prefix + j));
            j += 1;
        }
    }
    let (old_end, new_end) = (prefix + a.len(), prefix + b.len());
    ops.extend((0..suffix).map(|k| (Op::Keep, old_end + k, new_end + k)));
    ops
}

/// A unified diff from `old` to `new` with [`CONTEXT`] lines of context,
/// headed `--- <old_name>` / `+++ <new_name>`; `None` when the texts are equal.
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let ops = script(&old_lines, &new_lines);
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, (op, _, _))| *op != Op::Keep)
        .map(|(index, _)| index)
        .collect();
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    if changed.is_empty() {
        // Only line endings or a final newline differ.
        out.push_str("@@ the texts differ only in line endings or the final newline @@\n");
        return Some(out);
    }
    // Group changes whose context windows touch into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &index in &changed {
        let start = index.saturating_sub(CONTEXT);
        let end = (index + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    for (start, end) in hunks {
        let slice = &ops[start..end];
        let old_count = slice.iter().filter(|(op, _, _)| *op != Op::Add).count();
        let new_count = slice.iter().filter(|(op, _, _)| *op != Op::Remove).count();
        let (_, old_start, new_start) = slice[0];
        let old_first = if old_count == 0 {
            old_start
        } else {
            old_start + 1
        };
        let new_first = if new_count == 0 {
            new_start
        } else {
            new_start + 1
        };
        out.push_str(&format!(
            "@@ -{old_first},{old_count} +{new_first},{new_count} @@\n"
        ));
        for &(op, i, j) in slice {
            let (sign, line) = match op {
                Op::Keep => (' ', old_lines[i]),
                Op::Remove => ('-', old_lines[i]),
                Op::Add => ('+', new_lines[j]),
            };
            out.push(sign);
            out.push_str(line);
            out.push('\n');
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a", "b", "x\ny\n", "x\ny\n"), None);
    }

    #[test]
    fn a_changed_line_shows_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let diff = unified_diff("reference", "observed", old, new).unwrap_or_default();
        assert_eq!(
            diff,
            "--- reference\n+++ observed\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn separate_changes_make_separate_hunks() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new: String = (1..=20)
            .filter(|n| *n != 19)
            .map(|n| {
                if n == 2 {
                    "two\n".to_owned()
                } else {
                    format!("{n}\n")
                }
            })
            .collect();
        let diff = unified_diff("a", "b", &old, &new).unwrap_or_default();
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(diff.contains("-2\n+two\n"), "{diff}");
        assert!(diff.contains("-19\n"), "{diff}");
    }

    #[test]
    fn insertions_at_the_end_and_start() {
        let diff = unified_diff("a", "b", "x\n", "w\nx\ny\n").unwrap_or_default();
        assert_eq!(diff, "--- a\n+++ b\n@@ -1,1 +1,3 @@\n+w\n x\n+y\n");
        let diff = unified_diff("a", "b", "", "x\n").unwrap_or_default();
        assert_eq!(diff, "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
    }
}
