//! One file per command: its `run`, from flags to output.

pub mod plan;
