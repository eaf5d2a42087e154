"""The checkout driver of `make bench` buys through the real pages, CSRF and all.

Speed is never asserted; what matters is that the driver's orders are real orders and
that its database check would notice a mismatch.
"""

import pytest

from shops.models import Checkout, Order
from tests.bench import bench, checkout_load, fans
from tests.factories import ProductFactory, UserFactory


@pytest.fixture
def buyers():
    return [UserFactory(), UserFactory()]


@pytest.mark.django_db(transaction=True)
def test_buyers_place_real_orders_through_the_pages_and_the_books_agree(
    live_server, buyers, monkeypatch
):
    # Given a product and one buyer thread playing two signed-in fans in turn.
    product = ProductFactory(stock=500)
    monkeypatch.setattr(checkout_load, "ORDERS_PER_FAN", 2)
    plan = checkout_load.BuyerPlan(
        sessions=[fans.fan_sign_in(user).session_key for user in buyers],
        product_id=product.pk,
        product_path=product.get_absolute_url(),
    )
    books = bench._checkout_books(buyers, [product.pk])

    result = checkout_load.checkout_load(
        live_server.url, [plan], seconds=2, cookie_name=fans.session_cookie_name()
    )

    assert result.errors == 0, [s.error_samples for s in result.stats]
    assert result.orders >= 1 and len(result.stats[0].place_ms) == result.orders
    assert result.orders <= 4  # no fan is used past ORDERS_PER_FAN (checkout's rate limit)
    assert Checkout.objects.filter(payment_reference__endswith="4242").count() == result.orders
    orders = Order.objects.filter(buyer__in=buyers)
    assert orders.count() == result.orders
    assert {o.ship_city for o in orders} == {fans.ADDRESS["ship_city"]}
    product.refresh_from_db()
    assert product.stock == 500 - result.orders
    if result.orders > 2:  # the second fan took over after two orders
        assert orders.filter(buyer=buyers[1]).exists()
    sane, text = bench._checkout_sanity(result, buyers, {product.pk: 500}, books)
    assert sane, text

    # The check notices orders the buyers never saw placed.
    result.stats[0].orders += 1
    sane, text = bench._checkout_sanity(result, buyers, {product.pk: 500}, books)
    assert not sane and "placed" in text


def test_form_inputs_reads_only_the_named_form_and_checked_radios():
    html = """
      <form action="/cart/add/"><input name="product" value="9"></form>
      <form method="post" action="/checkout/">
        <input type="hidden" name="step" value="place">
        <input type="radio" name="payment_method" value="manual">
        <input type="radio" name="payment_method" value="test" checked>
        <input type="hidden" name="ship_line2">
      </form>"""

    assert checkout_load.form_inputs(html, "/checkout/") == {
        "step": "place",
        "payment_method": "test",
        "ship_line2": "",
    }


def test_wrk_output_with_the_p95_script_is_read():
    output = """Running 5s test @ http://127.0.0.1:8000/
  Latency Distribution
     50%    1.50ms
     75%    2.00ms
     90%    3.00ms
     99%   12.00ms
  4000 requests in 5.00s, 1.00MB read
Requests/sec:    800.00
Transfer/sec:    200.00KB
p95_us 4250
"""
    result = bench.parse_wrk(output)

    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (1.5, 4.25, 12.0)
    assert result.rps == 800.0 and result.requests == 4000


def test_a_new_report_keeps_the_hand_written_comparisons_after_its_introduction(tmp_path):
    from tests.bench.bench import KEPT_END, KEPT_START, with_kept_comparisons

    out = tmp_path / "benchmarks.md"
    kept = f"{KEPT_START}\n## Before and after issue 15\n| page | before | after |\n{KEPT_END}"
    out.write_text(f"# Benchmarks\n\nIntro.\n{kept}\n\n## Last run — old\n\nold rows\n")
    report = with_kept_comparisons("# Benchmarks\n\nIntro.\n\n## Last run — new\n\nrows\n", out)
    assert report.index("Before and after issue 15") < report.index("## Last run — new")
    assert "old rows" not in report and report.count(KEPT_START) == 1
    assert with_kept_comparisons("# Benchmarks\n", tmp_path / "none.md") == "# Benchmarks\n"
