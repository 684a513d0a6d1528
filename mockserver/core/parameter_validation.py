"""Connexion's parameter validator, with the parameter's name in every message.

Connexion reports a missing parameter by name but a malformed one only by the jsonschema
message, which quotes the schema and never says which header or query parameter it was. Error
envelopes that name the field (OBIE's ``Path``, the CDR ``detail``) need the name.
"""

from __future__ import annotations

from typing import Any

from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator, ValidationError  # type: ignore[import-untyped]

from mockserver.core.formats import REQUEST_FORMATS, checked_formats


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        error: str | None = ParameterValidator.validate_parameter(
            parameter_type, value, param, param_name
        )
        if error is None:
            error = _format_error(value, param)
        if error is None or error.startswith("Missing "):
            return error
        reason = error.split("\n", 1)[0]
        return f"Invalid {parameter_type} parameter '{param_name or param['name']}': {reason}"


def _format_error(value: Any, param: dict[str, Any]) -> str | None:
    """Connexion checks Draft 4's formats only; ``date`` is checked here (core/formats.py)."""
    schema = param.get("schema", param)
    if value is None or not checked_formats(schema):
        return None
    try:
        Draft4Validator(schema, format_checker=REQUEST_FORMATS).validate(value)
    except ValidationError as exception:
        return str(exception)
    return None
