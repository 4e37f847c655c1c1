"""python -m aws_front --port P --upstream http://127.0.0.1:M [--s3-latency-ms MS|MIN-MAX]

(with test-support/ on PYTHONPATH)."""

import argparse
import sys

from . import faults, server, upstream


def main():
    parser = argparse.ArgumentParser(
        prog="aws_front", description="moto with what AWS does and moto does not, in front"
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--upstream", required=True, help="moto, e.g. http://127.0.0.1:5000")
    parser.add_argument(
        "--s3-latency-ms",
        default="0",
        help="each S3 request waits this long before it is forwarded: MS or MIN-MAX "
        "(uniform, seeded); real S3 answers a PUT in tens of milliseconds, moto in one",
    )
    args = parser.parse_args()
    try:
        faults.LATENCY["s3_ms"] = faults.parse_latency(args.s3_latency_ms)
    except ValueError as e:
        parser.error(f"--s3-latency-ms: {e}")
    upstream.connect(args.upstream)
    httpd = server.serve(args.host, args.port)
    sys.stderr.write(
        f"aws-front listening on http://{args.host}:{args.port}, upstream {args.upstream}\n"
    )
    sys.stderr.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


main()
