import pytest

from tests.factories import ProductFactory, UserFactory, paid_order_of


@pytest.fixture
def mug(creator):
    return ProductFactory(shop=creator.shop, title="Speckled mug", slug="speckled-mug")


@pytest.fixture
def buyer(mug):
    """A fan with a paid order of the mug."""
    user = UserFactory(email="buyer@example.com", name="Bea Buyer")
    paid_order_of(buyer=user, product=mug)
    return user


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client
