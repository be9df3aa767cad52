"""``GET /directory/regions``: the divisions under a region, for the site's region picker."""

from __future__ import annotations

from .conftest import Service

URL = "/api/v1/directory/regions"


async def test_without_parent_lists_the_provinces(service: Service) -> None:
    response = await service.client.get(URL)
    assert response.status_code == 200
    items = response.json()["items"]
    assert {"code": "61", "name": "陕西省"} in items
    assert all(len(item["code"]) == 2 for item in items)
    assert [item["code"] for item in items] == sorted(item["code"] for item in items)
    assert "max-age" in response.headers["cache-control"]


async def test_a_province_lists_its_cities_and_a_city_its_counties(service: Service) -> None:
    cities = (await service.client.get(URL, params={"parent": "61"})).json()["items"]
    assert {"code": "6105", "name": "渭南市"} in cities
    counties = (await service.client.get(URL, params={"parent": "6105"})).json()["items"]
    assert {"code": "610502", "name": "临渭区"} in counties
    assert all(item["code"].startswith("6105") and len(item["code"]) == 6 for item in counties)


async def test_a_municipality_lists_its_districts(service: Service) -> None:
    districts = (await service.client.get(URL, params={"parent": "11"})).json()["items"]
    assert {"code": "110105", "name": "朝阳区"} in districts


async def test_an_unknown_or_malformed_parent_is_refused(service: Service) -> None:
    unknown = await service.client.get(URL, params={"parent": "99"})
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "行政区划" in unknown.json()["title"]
    malformed = await service.client.get(URL, params={"parent": "610502"})
    assert malformed.status_code == 422
