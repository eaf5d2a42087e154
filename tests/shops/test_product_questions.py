"""Questions on product pages: asked by fans, answered by the creator, in the Inbox."""

import pytest
from django.urls import reverse

from creators import conversation
from creators.models import Comment, EngagementEvent, EventKind
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(creator):
    return ProductFactory(shop=creator.shop, title="Speckled mug", slug="speckled-mug")


def ask_url(product):
    return reverse("shops:product_question", args=["ana_makes", product.slug])


def test_fan_asks_and_creator_answers_with_badge(client, fan, creator, product):
    client.force_login(fan)
    response = client.post(ask_url(product), {"body": "Is it <b>microwave</b> safe?"})
    question = Comment.objects.get()
    assert response["Location"] == f"{product.get_absolute_url()}#comment-{question.pk}"
    assert question.is_question and question.target == product
    assert question.creator == creator.user and question.post is None
    event = EngagementEvent.objects.get(kind=EventKind.QUESTION)
    assert event.payload == {
        "comment_id": question.pk,
        "target": "product",
        "target_id": product.pk,
    }
    client.force_login(creator.user)
    client.post(reverse("creators:comment_reply", args=[question.pk]), {"body": "Yes it is."})
    question.refresh_from_db()
    assert question.first_response_at is not None
    client.force_login(fan)
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Is it &lt;b&gt;microwave&lt;/b&gt; safe?" in html
    answer = html.split("Yes it is.")[0].rsplit("<article", 1)[1]
    assert "Creator</span>" in answer


def test_signed_out_visitor_gets_sign_in_link(client, product):
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Sign in to ask a question" in html and "next=/%40ana_makes/p/speckled-mug/" in html
    response = client.post(ask_url(product), {"body": "hi"})
    assert "/accounts/login/" in response["Location"] and not Comment.objects.exists()


def test_bad_questions_are_refused(fan_client, product):
    for body in ("", "q" * 5001):
        assert fan_client.post(ask_url(product), {"body": body}).status_code == 400
    assert not Comment.objects.exists()


def test_no_questions_on_unpublished_products(creator_client, creator):
    draft = ProductFactory(shop=creator.shop, status="draft", slug="draft-mug")
    response = creator_client.post(
        reverse("shops:product_question", args=["ana_makes", draft.slug]), {"body": "hi"}
    )
    assert response.status_code == 404 and not Comment.objects.exists()


def test_product_page_query_count_is_constant(
    client, fan, creator, product, django_assert_max_num_queries
):
    client.force_login(fan)
    conversation.comment_create_on_target(author=fan, target=product, owner=creator.user, body="q")
    with django_assert_max_num_queries(25) as few:
        client.get(product.get_absolute_url())
    for n in range(60):
        question = conversation.comment_create_on_target(
            author=UserFactory(), target=product, owner=creator.user, body=f"Question {n}"
        )
        conversation.comment_reply(author=creator.user, parent=question, body=f"Answer {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(product.get_absolute_url()).content.decode()
    assert "Answer 48" in html and "Answer 49" not in html  # 50 questions a page


def test_deleting_a_product_deletes_its_questions(fan, creator, product):
    question = conversation.comment_create_on_target(
        author=fan, target=product, owner=creator.user, body="Still available?"
    )
    conversation.comment_reply(author=creator.user, parent=question, body="Yes")
    product.delete()
    assert not Comment.objects.exists()
