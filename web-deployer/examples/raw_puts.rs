//! The floor under a static-site deploy, for `scripts/bench-web.sh`: one
//! PutObject per file of a folder, `CONCURRENCY` in flight, through the same
//! SDK and client settings as the deployer, and nothing else: no digests, no
//! listing, no manifest, no ordering, no headers.
//!
//!     cargo run --release -p web-deployer --example raw_puts -- BUCKET DIR [CONCURRENCY]
//!
//! Credentials, region and endpoint come from the environment
//! (`AWS_ENDPOINT_URL`, ...), as for xtask. Prints the files and bytes written.

use aws_sdk_s3::primitives::ByteStream;
use futures_util::stream::{self, StreamExt};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            files_under(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bucket, dir, rest @ ..] = args.as_slice() else {
        return Err("usage: raw_puts BUCKET DIR [CONCURRENCY]".into());
    };
    let concurrency: usize = match rest.first() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("CONCURRENCY: expected a number, got {n:?}"))?,
        None => 32,
    };
    let root = PathBuf::from(dir);
    let mut files = Vec::new();
    files_under(&root, &mut files)?;

    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let mut bytes = 0u64;
    let mut puts = stream::iter(&files)
        .map(|path| {
            let s3 = &s3;
            let key = path
                .strip_prefix(&root)
                .expect("walked under root")
                .to_string_lossy()
                .replace('\\', "/");
            async move {
                // Read whole, as the deployer does (it checks the MD5 before
                // sending), so both send the same requests.
                let bytes = tokio::fs::read(path).await?;
                let size = bytes.len() as u64;
                let body = ByteStream::from(bytes);
                s3.put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(e).to_string())?;
                Ok::<u64, Box<dyn std::error::Error>>(size)
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(size) = puts.next().await {
        bytes += size?;
    }
    println!("raw_puts: {} files, {bytes} bytes", files.len());
    Ok(())
}
