"""Contract fuzzing: schemathesis (PyPI) generates requests from Gatehouse's /openapi.json and
checks every answer against the document.

    python3 contract_fuzz.py BASE_URL REPORT_DIR [schemathesis options...]

Runs `schemathesis run BASE_URL/openapi.json` with a bounded, deterministic set of examples (5
per operation) and these checks: no 5xx (not_a_server_error), every answer's status documented
(status_code_conformance), its content type (content_type_conformance) and its body valid against
its schema (response_schema_conformance; a problem without a `code` fails the Problem schema).
One worker: with two threads, Python 3.11's ast module (which hypothesis calls to describe its
filters) fails with "AST constructor recursion depth mismatch", a CPython bug, not ours.
The hosted pages (tag Pages) are for browsers and tested there; signing out and changing the
password would end the session the run signs in with. Exits with schemathesis' status; prints
its summary, and its failures in full.
"""
import subprocess
import sys

base, report, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
command = [
    sys.executable, "-m", "schemathesis.cli", "--no-color", "run", f"{base}/openapi.json",
    "--max-examples", "5", "--generation-deterministic", "--workers", "1",
    "--phases", "examples,coverage,fuzzing",
    "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
    "--exclude-tag", "Pages",
    "--exclude-path-regex", "^/api/v1/auth/logout|^/api/v1/users/me/password$",
    "--report", "junit", "--report-dir", report,
] + extra
done = subprocess.run(command, capture_output=True, text=True)
output = done.stdout + done.stderr
failures = min((i for i in (output.find("=== ERRORS ==="), output.find("=== FAILURES ===")) if i >= 0), default=-1)
summary = output.find("=== SUMMARY ===")
if done.returncode != 0 and failures >= 0:
    print(output[failures:])
elif summary >= 0:
    print(output[summary:])
else:
    print(output[-4000:])
sys.exit(done.returncode)
