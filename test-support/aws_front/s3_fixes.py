"""S3 answers of moto's that the AWS SDK rejects, corrected as S3 answers them.

- moto 5.2.5 answers GetBucketVersioning with the XML root
  <GetBucketVersioningResponse>; S3's is <VersioningConfiguration>
  (namespace kept)."""

import re

from .message import Answer


def layer(req, next):
    answer = next(req)
    if req.service != "s3" or not isinstance(answer, Answer):
        return answer
    if (
        req.method == "GET"
        and "versioning" in req.query_names()
        and b"GetBucketVersioningResponse" in answer.body
    ):
        body = re.sub(
            rb"<(/?)GetBucketVersioningResponse\b",
            rb"<\1VersioningConfiguration",
            answer.body,
        )
        return answer._replace(body=body)
    return answer
