//! Writing the planned keys: PutObject (multipart past 8 MiB, like `aws s3`)
//! from the build, or CopyObject of an earlier version inside S3 for a
//! rollback; a bounded number in flight; phase by phase, so that no page is
//! served before what it references and `index.html` goes last. Retries are
//! the SDK's (standard mode: 3 attempts with backoff).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures_util::stream::{self, StreamExt};
use md5::{Digest, Md5};
use std::path::Path;
use tokio::io::AsyncReadExt;

use crate::error::{aws, io, s3_error, WebError};
use crate::headers::phase;
use crate::manifest::Entry;
use crate::plan::{Source, Transfer};
use crate::remote::{encode_path, unquote, MD5_METADATA};
use crate::Clients;

/// Files larger than this are uploaded in parts of `PART_SIZE`.
pub const MULTIPART_THRESHOLD: u64 = 8 * 1024 * 1024;
pub const PART_SIZE: u64 = 8 * 1024 * 1024;

/// Runs the transfers phase by phase, `concurrency` at a time within a phase;
/// `done` sees each finished one. Stops at the first error (what is in flight
/// is dropped; what finished stays written).
pub async fn run(
    clients: &Clients,
    bucket: &str,
    build_dir: &Path,
    transfers: &[Transfer],
    concurrency: usize,
    mut done: impl FnMut(&Transfer, &Entry),
) -> Result<Vec<(String, Entry)>, WebError> {
    let mut written = Vec::with_capacity(transfers.len());
    let mut start = 0;
    while start < transfers.len() {
        let p = phase(transfers[start].key());
        let end = start
            + transfers[start..]
                .iter()
                .take_while(|t| phase(t.key()) == p)
                .count();
        let mut in_flight = stream::iter(&transfers[start..end])
            .map(|t| async move { one(clients, bucket, build_dir, t).await.map(|e| (t, e)) })
            .buffer_unordered(concurrency.max(1));
        while let Some(result) = in_flight.next().await {
            let (t, entry) = result?;
            done(t, &entry);
            written.push((t.key().to_string(), entry));
        }
        start = end;
    }
    Ok(written)
}

async fn one(
    clients: &Clients,
    bucket: &str,
    build_dir: &Path,
    t: &Transfer,
) -> Result<Entry, WebError> {
    match &t.source {
        Source::File(f) if f.size > MULTIPART_THRESHOLD => {
            multipart(clients, bucket, t, f, &f.path(build_dir)).await
        }
        Source::File(f) => put(clients, bucket, t, f, &f.path(build_dir)).await,
        Source::Version {
            version_id, entry, ..
        } => copy(clients, bucket, t, version_id, entry).await,
    }
}

async fn put(
    clients: &Clients,
    bucket: &str,
    t: &Transfer,
    f: &crate::walk::LocalFile,
    path: &Path,
) -> Result<Entry, WebError> {
    let bytes = tokio::fs::read(path).await.map_err(io(path))?;
    if crate::walk::md5_bytes(&bytes) != f.md5 {
        return Err(WebError::FileChanged(path.to_path_buf()));
    }
    let out = clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(t.key())
        .body(ByteStream::from(bytes))
        .content_type(&t.headers.content_type)
        .set_cache_control(t.headers.cache_control.clone())
        .set_content_encoding(t.headers.content_encoding.clone())
        .metadata(MD5_METADATA, &f.md5)
        .send()
        .await
        .map_err(s3_error("S3 PutObject", bucket, t.key()))?;
    Ok(entry(t, out.version_id(), out.e_tag()))
}

async fn multipart(
    clients: &Clients,
    bucket: &str,
    t: &Transfer,
    f: &crate::walk::LocalFile,
    path: &Path,
) -> Result<Entry, WebError> {
    let created = clients
        .s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(t.key())
        .content_type(&t.headers.content_type)
        .set_cache_control(t.headers.cache_control.clone())
        .set_content_encoding(t.headers.content_encoding.clone())
        .metadata(MD5_METADATA, &f.md5)
        .send()
        .await
        .map_err(s3_error("S3 CreateMultipartUpload", bucket, t.key()))?;
    let upload_id = created.upload_id().unwrap_or_default().to_string();
    let result = parts(clients, bucket, t, f, path, &upload_id).await;
    if result.is_err() {
        // Best effort: an unfinished upload's parts cost storage until aborted.
        let _ = clients
            .s3
            .abort_multipart_upload()
            .bucket(bucket)
            .key(t.key())
            .upload_id(&upload_id)
            .send()
            .await;
    }
    result
}

async fn parts(
    clients: &Clients,
    bucket: &str,
    t: &Transfer,
    f: &crate::walk::LocalFile,
    path: &Path,
    upload_id: &str,
) -> Result<Entry, WebError> {
    let mut file = tokio::fs::File::open(path).await.map_err(io(path))?;
    let mut hasher = Md5::new();
    let mut completed = Vec::new();
    let mut number = 1;
    loop {
        let mut part = Vec::with_capacity(PART_SIZE as usize);
        (&mut file)
            .take(PART_SIZE)
            .read_to_end(&mut part)
            .await
            .map_err(io(path))?;
        if part.is_empty() && number > 1 {
            break;
        }
        hasher.update(&part);
        let last = (part.len() as u64) < PART_SIZE;
        let out = clients
            .s3
            .upload_part()
            .bucket(bucket)
            .key(t.key())
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(part))
            .send()
            .await
            .map_err(s3_error("S3 UploadPart", bucket, t.key()))?;
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .build(),
        );
        number += 1;
        if last {
            break;
        }
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != f.md5 {
        return Err(WebError::FileChanged(path.to_path_buf()));
    }
    let out = clients
        .s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key(t.key())
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .map_err(s3_error("S3 CompleteMultipartUpload", bucket, t.key()))?;
    Ok(entry(t, out.version_id(), out.e_tag()))
}

/// A rollback: the earlier version copied over the current one, inside S3,
/// with its own metadata and headers (MetadataDirective COPY).
async fn copy(
    clients: &Clients,
    bucket: &str,
    t: &Transfer,
    version_id: &str,
    from: &Entry,
) -> Result<Entry, WebError> {
    let source = format!(
        "{bucket}/{}?versionId={}",
        encode_path(t.key()),
        encode_path(version_id)
    );
    let out = clients
        .s3
        .copy_object()
        .bucket(bucket)
        .key(t.key())
        .copy_source(source)
        .send()
        .await
        .map_err(s3_error("S3 CopyObject", bucket, t.key()))?;
    let etag = out.copy_object_result().and_then(|r| r.e_tag());
    Ok(Entry {
        version_id: out.version_id().map(str::to_owned),
        md5: from.md5.clone(),
        size: from.size,
        etag: etag.map(unquote),
        headers: t.headers.clone(),
    })
}

fn entry(t: &Transfer, version_id: Option<&str>, etag: Option<&str>) -> Entry {
    Entry {
        version_id: version_id.map(str::to_owned),
        md5: t.md5().to_string(),
        size: t.size(),
        etag: etag.map(unquote),
        headers: t.headers.clone(),
    }
}

/// Deletes keys, 1,000 per DeleteObjects call. In a versioned bucket this
/// adds delete markers: the old versions stay for rollbacks.
pub async fn delete(clients: &Clients, bucket: &str, keys: &[String]) -> Result<(), WebError> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    for chunk in keys.chunks(1000) {
        let objects = chunk
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(aws("S3 DeleteObjects", bucket))?;
        let out = clients
            .s3
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(aws("S3 DeleteObjects", bucket))?,
            )
            .send()
            .await
            .map_err(s3_error("S3 DeleteObjects", bucket, bucket))?;
        if let Some(e) = out.errors().first() {
            return Err(WebError::Aws {
                operation: "S3 DeleteObjects",
                key: e.key().unwrap_or_default().to_string(),
                message: format!(
                    "{} ({} of {} keys failed)",
                    e.message().unwrap_or_default(),
                    out.errors().len(),
                    chunk.len()
                ),
            });
        }
    }
    Ok(())
}
