"""Saved items (the heart, the private Saved page) and their alerts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from creators.models import (
    EmailMode,
    EngagementEvent,
    EventKind,
    Notification,
    NotificationChannel,
    NotificationPreference,
)
from shops import saved
from shops.models import Product, ProductStatus, SavedAlert, SavedItem
from shops.orders import order_cancel
from shops.services import product_update
from tests.factories import ProductFactory, ProductImageFactory, UserFactory, paid_order_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug():
    return ProductFactory(title="Speckled mug", price=Decimal("24.00"), stock=3)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(use_case, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return use_case(*args, **kwargs)

    return run


def edit(product, **changes):
    product = Product.objects.get(pk=product.pk)
    fields = {
        "title": product.title,
        "description": product.description,
        "price": product.price,
        "compare_at_price": product.compare_at_price,
        "kind": product.kind,
        "stock": product.stock,
        "tags": [],
    }
    return product_update(product=product, **{**fields, **changes})


def bell(user):
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)


def toggle_url(product):
    return reverse("shops:saved_toggle", args=[product.pk])


# The heart ------------------------------------------------------------------------------------


def test_saving_twice_is_one_save_and_unsaving_removes_it(fan, mug):
    assert saved.saved_add(user=fan, product_id=mug.pk) is True
    assert saved.saved_add(user=fan, product_id=mug.pk) is False
    item = SavedItem.objects.get(user=fan, product=mug)
    assert item.price_when_saved == Decimal("24.00")
    assert saved.saved_remove(user=fan, product_id=mug.pk) is True
    assert saved.saved_remove(user=fan, product_id=mug.pk) is False


def test_unpublished_products_cannot_be_saved(fan_client, fan, mug):
    """A draft is a 404, like an id that names nothing: the answer never names it."""
    mug.status = ProductStatus.DRAFT
    mug.title = "Unannounced glaze 4K"
    mug.save()
    response = fan_client.post(toggle_url(mug), {"action": "save", "next": "/shop/"})
    assert response.status_code == 404
    assert "Unannounced glaze 4K" not in response.content.decode()
    assert not SavedItem.objects.exists()
    assert (
        fan_client.post(reverse("shops:saved_toggle", args=[99999]), {"action": "save"}).status_code
        == 404
    )


def test_a_saved_product_taken_back_to_draft_can_still_be_removed(fan_client, fan, mug):
    """The fan saw it when it was public: the Saved page's Remove button keeps working."""
    fan_client.post(toggle_url(mug), {"action": "save"})
    mug.status = ProductStatus.DRAFT
    mug.save()
    saved_page = reverse("shops:saved")
    response = fan_client.post(
        toggle_url(mug), {"action": "unsave", "next": saved_page}, follow=True
    )
    assert response.redirect_chain[-1][0] == saved_page
    assert "“Speckled mug” is no longer in your Saved list." in response.content.decode()
    assert not SavedItem.objects.exists()


def test_htmx_heart_on_the_product_page_and_on_a_card(fan_client, fan, mug):
    page = fan_client.get(mug.get_absolute_url()).content.decode()
    assert 'aria-pressed="false"' in page and "Save<span" in page
    response = fan_client.post(toggle_url(mug), {"action": "save"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'class="heart heart--large"' in html and 'aria-pressed="true"' in html
    assert SavedItem.objects.filter(user=fan, product=mug).exists()
    card = fan_client.post(
        toggle_url(mug), {"action": "unsave", "size": "card"}, headers={"HX-Request": "true"}
    )
    html = card.content.decode()
    assert 'class="card-heart"' in html and "Save Speckled mug" in html
    assert not SavedItem.objects.exists()


def test_plain_form_heart_redirects_back_with_a_message(fan_client, mug):
    response = fan_client.post(
        toggle_url(mug), {"action": "save", "next": mug.get_absolute_url()}, follow=True
    )
    assert "“Speckled mug” is in your Saved list" in response.content.decode()
    assert 'aria-pressed="true"' in response.content.decode()


def test_visitors_are_sent_to_sign_in(client, mug):
    response = client.post(toggle_url(mug), {"action": "save"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    htmx = client.post(toggle_url(mug), {"action": "save"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and "HX-Redirect" in htmx
    assert client.get(toggle_url(mug)).status_code == 405
    assert not SavedItem.objects.exists()


def test_grids_list_what_this_fan_saved_for_their_hearts(fan_client, fan, mug):
    other = ProductFactory(shop=mug.shop, title="Tall vase")
    saved.saved_add(user=fan, product_id=other.pk)
    catalog = fan_client.get(reverse("catalog")).content.decode()
    assert f'data-saved-products="{other.pk}"' in catalog
    assert f'data-heart="{mug.pk}"' in catalog and f'data-heart="{other.pk}"' in catalog
    creator_page = fan_client.get(mug.shop.creator.get_absolute_url()).content.decode()
    assert f'data-saved-products="{other.pk}"' in creator_page
    fan_client.logout()
    assert "data-saved-products" not in fan_client.get(reverse("catalog")).content.decode()


def test_saving_is_rate_limited(fan_client, mug):
    for _ in range(300):
        fan_client.post(toggle_url(mug), {"action": "save"})
    assert fan_client.post(toggle_url(mug), {"action": "unsave"}).status_code == 429
    htmx = fan_client.post(toggle_url(mug), {"action": "unsave"}, headers={"HX-Request": "true"})
    assert "Too many saves" in htmx.content.decode()
    assert SavedItem.objects.count() == 1


# The Saved page -------------------------------------------------------------------------------


def test_the_saved_page_shows_price_and_stock_now_and_only_to_its_owner(fan_client, fan, mug):
    saved.saved_add(user=fan, product_id=mug.pk)
    gone = ProductFactory(title="Old teapot")
    saved.saved_add(user=fan, product_id=gone.pk)
    Product.objects.filter(pk=mug.pk).update(price=Decimal("19.00"), stock=0)
    Product.objects.filter(pk=gone.pk).update(status=ProductStatus.ARCHIVED)
    page = fan_client.get(reverse("shops:saved")).content.decode()
    assert "€19.00" in page and "Down from €24.00 when you saved it" in page
    assert "Sold out" in page
    assert "Old teapot" in page and "No longer available" in page
    other = UserFactory()
    fan_client.force_login(other)
    page = fan_client.get(reverse("shops:saved")).content.decode()
    assert "Speckled mug" not in page and "Nothing saved yet" in page
    fan_client.logout()
    assert fan_client.get(reverse("shops:saved")).status_code == 302


@pytest.mark.parametrize("count", [3, 60])
def test_the_saved_page_queries_are_constant(fan_client, fan, count, django_assert_max_num_queries):
    for _ in range(count):
        product = ProductFactory()
        ProductImageFactory(product=product)
        SavedItem.objects.create(user=fan, product=product, price_when_saved=product.price)
    # Queries: the user (creator profile, cart units), the count, one page of saved items
    # (product, shop, creator, user joined), their covers, the bell's count.
    with django_assert_max_num_queries(6, info="saved page: justify a new query"):
        response = fan_client.get(reverse("shops:saved"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 24)


# Alerts -----------------------------------------------------------------------------------------


def test_a_price_drop_alerts_once_and_a_second_drop_the_same_day_does_not(fan, mug, committed):
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, price=Decimal("20.00"))
    note = bell(fan).get()
    assert note.kind == EventKind.SAVED_PRICE_DROP
    from creators.notify import describe

    text = describe(note.event, fan.pk)
    assert text.text == "“Speckled mug”, which you saved, is now €20.00 (was €24.00)"
    assert text.url == mug.get_absolute_url()
    committed(edit, mug, price=Decimal("18.00"))
    assert bell(fan).count() == 1
    assert SavedAlert.objects.filter(user=fan, product=mug).count() == 1
    # The event is still in the log (the outbox): only the alert is once a day.
    assert EngagementEvent.objects.filter(kind=EventKind.SAVED_PRICE_DROP).count() == 2


def test_the_next_day_brings_a_new_alert(fan, mug, committed):
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, price=Decimal("20.00"))
    SavedAlert.objects.update(day=timezone.localdate() - timedelta(days=1))
    committed(edit, mug, price=Decimal("18.00"))
    assert bell(fan).count() == 2


def test_back_in_stock_alerts(fan, mug, committed):
    Product.objects.filter(pk=mug.pk).update(stock=0)
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, stock=5)
    note = bell(fan).get()
    assert note.kind == EventKind.SAVED_BACK_IN_STOCK
    from creators.notify import describe

    assert describe(note.event, fan.pk).text == "“Speckled mug”, which you saved, is back in stock"


def test_nothing_happens_without_a_drop_a_return_or_savers(fan, mug, committed):
    committed(edit, mug, price=Decimal("10.00"))  # nobody saved it yet
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, price=Decimal("30.00"))  # dearer
    committed(edit, mug, stock=8)  # was in stock already
    assert not EngagementEvent.objects.filter(
        kind__in=[EventKind.SAVED_PRICE_DROP, EventKind.SAVED_BACK_IN_STOCK]
    ).exists()
    assert not bell(fan).exists()


def test_preference_never_means_no_alert_at_all(fan, mug, committed, mailoutbox):
    saved.saved_add(user=fan, product_id=mug.pk)
    NotificationPreference.objects.create(user=fan, topic=saved.TOPIC, email_mode=EmailMode.OFF)
    committed(edit, mug, price=Decimal("20.00"))
    assert not Notification.objects.filter(recipient=fan).exists()
    assert mailoutbox == []
    assert not SavedAlert.objects.exists()  # and today's alert is not used up


def test_an_alert_is_emailed_right_away_by_default(fan, mug, committed, mailoutbox):
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, price=Decimal("20.00"))
    assert len(mailoutbox) == 1
    assert "Speckled mug" in mailoutbox[0].subject + mailoutbox[0].body
    assert mailoutbox[0].to == [fan.email]


def test_a_fan_who_unsaved_is_not_told_and_the_creator_is_not_told(fan, mug, committed):
    saved.saved_add(user=fan, product_id=mug.pk)
    saved.saved_add(user=mug.shop.creator.user, product_id=mug.pk)  # the creator saved it
    saved.saved_remove(user=fan, product_id=mug.pk)
    other = UserFactory()
    saved.saved_add(user=other, product_id=mug.pk)
    committed(edit, mug, price=Decimal("20.00"))
    assert bell(other).count() == 1
    assert not bell(fan).exists() and not bell(mug.shop.creator.user).exists()


def test_units_returned_by_a_cancellation_alert_savers(fan, committed):
    mug = ProductFactory(title="Last mug", stock=0)
    order = paid_order_of(buyer=UserFactory(), product=mug)
    saved.saved_add(user=fan, product_id=mug.pk)
    committed(order_cancel, order=order)
    assert bell(fan).get().kind == EventKind.SAVED_BACK_IN_STOCK


def test_many_savers_are_told_in_batches_each_once(mug, committed, settings):
    settings.NOTIFY_FANOUT_CHUNK = 7
    fans = UserFactory.create_batch(30, verified=False)
    SavedItem.objects.bulk_create(
        [SavedItem(user=f, product=mug, price_when_saved=mug.price) for f in fans]
    )
    from creators.notifications import fanout_chunks

    committed(edit, mug, price=Decimal("20.00"))
    event = EngagementEvent.objects.get(kind=EventKind.SAVED_PRICE_DROP)
    assert len(list(fanout_chunks(event=event))) == 5  # 30 savers in chunks of 7
    assert Notification.objects.filter(event=event, channel="in_app").count() == 30
    # A chunk that runs again (a retried task) tells nobody twice.
    from creators.notifications import notifications_fanout_chunk

    for after, upto in fanout_chunks(event=event):
        notifications_fanout_chunk(event_id=event.pk, after=after, upto=upto)
    assert Notification.objects.filter(event=event, channel="in_app").count() == 30


def test_the_database_refuses_a_second_alert_the_same_day(fan, mug, committed):
    from django.db import IntegrityError

    saved.saved_add(user=fan, product_id=mug.pk)
    committed(edit, mug, price=Decimal("20.00"))
    event = EngagementEvent.objects.get(kind=EventKind.SAVED_PRICE_DROP)
    with pytest.raises(IntegrityError):
        SavedAlert.objects.create(user=fan, product=mug, day=timezone.localdate(), event=event)


def test_a_grid_of_cards_carries_one_csrf_token_for_all_its_hearts(fan_client, mug):
    for n in range(10):
        ProductFactory(shop=mug.shop, title=f"Cup {n}")
    catalog = fan_client.get(reverse("catalog")).content.decode()
    assert catalog.count('form="card-hearts"') == 11
    assert catalog.count('<form id="card-hearts" method="post" hidden>') == 1
    # The header's forms (sign out, …) and the hearts' one form: not one per card.
    assert catalog.count('name="csrfmiddlewaretoken"') < 5
