import pytest

from tests.api.conftest import PURPOSE


@pytest.mark.django_db
def test_status_by_uscc(publish, firm, tax, make_client, http):
    publish(entity=firm)
    _client, secret = make_client(tax)
    response = http(secret).post("/api/v1/status", {"uscc": firm.uscc}, format="json", **PURPOSE)
    assert response.status_code == 200, response.content
    print(response.json())
