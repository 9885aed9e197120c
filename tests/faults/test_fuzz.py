"""Fuzz the whole JSON API from its own OpenAPI document (schemathesis) against a live daphne.

Every operation gets generated requests, valid by the schema and not, half of
them aimed at the real demo hall and desk 1 with a valid device token (so
they get past the 404s and 401s). No answer may be a 5xx, and every answer
must match the document: status code declared, content type, body schema.
The number of examples is bounded (COUNTER_FUZZ_EXAMPLES per operation and
mode) and the generation is derandomised, so CI runs the same requests each time.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.faults.instances import prepare_hall, server

# The timeout only catches a hang: the work grows with the API's operations (two modes × EXAMPLES each, one
# request per example); 300 s ran out on a 2-core machine kept busy by other work (load average 10).
pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

EXAMPLES = int(os.environ.get("COUNTER_FUZZ_EXAMPLES", "40"))
# Left out, with the reason:
# - positive_data_acceptance: a schema-valid request can still be refused with 400 by
#   the site's own data (a reason code not in the site's list, a number of no ticket);
#   the SPEC's answer for those is 400/404/409, which the other checks hold to the schema;
# - ignored_auth on the requests given a real desk token (below): it takes the token
#   for a generated, invalid one.
EXCLUDED = [positive_data_acceptance]


def test_the_api_answers_every_generated_request_by_its_own_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    desk_token = prepare_hall(url)
    with server(url) as worker:
        schema = schemathesis.openapi.from_url(f"{worker.url}/api/v1/openapi.json", timeout=10)
        session = requests.Session()
        failures: list[str] = []
        ran = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hypothesis.settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
                def run(case: schemathesis.Case, real: bool) -> None:
                    nonlocal ran
                    ran += 1
                    if real:  # aim at the demo hall's real objects, with a desk device's token
                        for name, value in {"site": "demo", "number": 1}.items():
                            if case.path_parameters and name in case.path_parameters:
                                case.path_parameters[name] = value
                        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {desk_token}"}
                    excluded = [*EXCLUDED, ignored_auth] if real else EXCLUDED
                    case.call_and_validate(base_url=worker.url, session=session, timeout=10, excluded_checks=excluded)

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    pass  # no request breaks this operation's schema (a path of free strings only)
                except (Exception, BaseExceptionGroup) as exc:  # collect every finding, then fail once
                    failures.append(f"{operation.label} [{mode}]:\n{''.join(traceback.format_exception_only(exc))}")
        print(f"{ran} generated requests over {len(list(schema.get_all_operations()))} operations")
        assert ran > 0
        assert not failures, "\n\n".join(failures) + "\n\n" + worker.output()
