//! The run order of targets from their `after` lists.

use std::collections::{BTreeMap, BTreeSet};

use super::Target;

/// Target names so that each comes after everything it runs `after`; among
/// targets free to run, alphabetical, so the order is stable. On a cycle, the
/// names along it (first repeated at the end).
pub fn run_order(targets: &[Target]) -> Result<Vec<String>, Vec<String>> {
    let mut waiting: BTreeMap<&str, BTreeSet<&str>> = targets
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.after.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let mut order = Vec::new();
    loop {
        let ready: Vec<&str> = waiting
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            break;
        }
        for name in ready {
            waiting.remove(name);
            for deps in waiting.values_mut() {
                deps.remove(name);
            }
            order.push(name.to_string());
        }
    }
    if waiting.is_empty() {
        return Ok(order);
    }
    Err(find_cycle(&waiting))
}

/// Every remaining target waits on another remaining one, so following the first
/// dependency from any of them must come back to a name already seen.
fn find_cycle(waiting: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut path: Vec<&str> = vec![waiting.keys().next().expect("non-empty")];
    loop {
        let last = *path.last().expect("non-empty");
        let next = *waiting[last].iter().next().expect("waits on something");
        if let Some(pos) = path.iter().position(|n| *n == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
            cycle.push(next.to_string());
            return cycle;
        }
        path.push(next);
    }
}
