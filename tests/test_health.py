from __future__ import annotations

from support import Api


def test_health_answers_without_auth(anonymous: Api) -> None:
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_document_lists_the_endpoints_and_their_errors(anonymous: Api) -> None:
    doc = anonymous.get("/openapi.json").json()
    assert "/customers" in doc["paths"]
    assert "/contacts/{contact_id}/password" in doc["paths"]
    post = doc["paths"]["/customers/{customer_id}/contacts"]["post"]
    assert {"201", "202", "409", "422"} <= set(post["responses"])


def test_unknown_path_is_a_problem_404(anonymous: Api) -> None:
    response = anonymous.get("/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_health_says_503_when_the_database_does_not_answer() -> None:
    from fastapi.testclient import TestClient

    from carrierdesk.app import create_app
    from fixtures.server import free_port

    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    with TestClient(create_app(closed)) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["detail"] == "The database does not answer."
