"""Validates Gatehouse's /openapi.json with openapi-spec-validator (PyPI), a standard OpenAPI 3.1
validator: python3 validate_openapi.py FILE. Prints "valid" and exits 0, or the first error and
exits 1."""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

with open(sys.argv[1]) as f:
    document = json.load(f)
try:
    validate(document)
except OpenAPIValidationError as error:
    print(f"invalid: {error}")
    sys.exit(1)
print("valid")
