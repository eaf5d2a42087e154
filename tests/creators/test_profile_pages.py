import pytest
from django.urls import reverse

from creators.models import CreatorProfile
from tests.factories import CreatorProfileFactory, UserFactory
from tests.images import fake_upload, image_upload

pytestmark = pytest.mark.django_db


def test_public_page_shows_profile_and_escapes_user_text(client):
    CreatorProfileFactory(
        handle="li_knits", display_name="Li <b>Knits</b>", bio="<script>alert(1)</script>"
    )
    response = client.get("/@li_knits/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Li &lt;b&gt;Knits&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_handle_in_another_case_redirects_to_the_canonical_url(client):
    CreatorProfileFactory(handle="Li_Knits")
    response = client.get("/@li_knits/")
    assert response.status_code == 301
    assert response["Location"] == "/@Li_Knits/"


def test_unknown_or_deactivated_creator_is_404(client):
    CreatorProfileFactory(handle="gone", user=UserFactory(is_active=False))
    assert client.get("/@nobody/").status_code == 404
    assert client.get("/@gone/").status_code == 404


def test_owner_edits_profile_and_replaces_avatar(
    creator_client, creator, django_capture_on_commit_callbacks
):
    creator_client.post(
        reverse("creators:edit", args=[creator.handle]),
        {"display_name": "First", "bio": "", "avatar": image_upload()},
    )
    creator.refresh_from_db()
    first_avatar = creator.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        response = creator_client.post(
            reverse("creators:edit", args=[creator.handle]),
            {"display_name": "Ana Studio", "bio": "New bio", "avatar": image_upload("b.png")},
            follow=True,
        )
    creator.refresh_from_db()
    assert response.redirect_chain[-1][0] == f"/@{creator.handle}/"
    assert (creator.display_name, creator.bio) == ("Ana Studio", "New bio")
    assert creator.avatar.name != first_avatar
    from django.core.files.storage import default_storage

    assert not default_storage.exists(first_avatar)  # the replaced file is cleaned up
    assert default_storage.exists(creator.avatar.name)


def test_owner_can_remove_the_banner(creator_client, creator):
    url = reverse("creators:edit", args=[creator.handle])
    creator_client.post(url, {"display_name": "A", "banner": image_upload()})
    creator.refresh_from_db()
    assert creator.banner
    creator_client.post(url, {"display_name": "A", "remove_banner": "on"})
    creator.refresh_from_db()
    assert not creator.banner
    assert creator.banner_variants == {}


def test_bad_image_on_edit_keeps_the_old_profile(creator_client, creator):
    old_name = creator.display_name
    response = creator_client.post(
        reverse("creators:edit", args=[creator.handle]),
        {"display_name": "Changed", "avatar": fake_upload("a.png", b"<html>")},
    )
    assert response.status_code == 200
    assert "SVG and HTML files are not accepted" in response.content.decode()
    creator.refresh_from_db()
    assert creator.display_name == old_name


def test_another_user_cannot_see_or_change_the_edit_page(client, creator):
    intruder = UserFactory()
    client.force_login(intruder)
    url = reverse("creators:edit", args=[creator.handle])
    assert client.get(url).status_code == 404
    assert client.post(url, {"display_name": "Hacked"}).status_code == 404
    creator.refresh_from_db()
    assert creator.display_name != "Hacked"


def test_another_creator_cannot_edit_either(client, creator):
    other = CreatorProfileFactory()
    client.force_login(other.user)
    assert client.get(reverse("creators:edit", args=[creator.handle])).status_code == 404


def test_signed_out_edit_goes_to_sign_in(client, creator):
    response = client.get(reverse("creators:edit", args=[creator.handle]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_studio_sends_fans_to_open_a_shop(fan_client):
    response = fan_client.get(reverse("creators:studio"))
    assert response["Location"] == reverse("shops:open")


def test_studio_for_creator(creator_client, creator):
    response = creator_client.get(reverse("creators:studio"))
    assert response.status_code == 200
    assert creator.display_name in response.content.decode()


def test_home_shows_featured_creators_first(client):
    CreatorProfileFactory(display_name="Plain Newcomer")
    CreatorProfileFactory(display_name="Featured Potter", is_featured=True)
    page = client.get("/").content.decode()
    assert page.index("Featured Potter") < page.index("Plain Newcomer")


def test_creator_directory_searches_and_paginates(client, django_assert_max_num_queries):
    CreatorProfileFactory.create_batch(30, display_name="Knitter")
    CreatorProfileFactory(handle="coffee_lab", display_name="Coffee Lab")
    # Queries: count for the paginator, one page of creators. Constant as creators grow;
    # if you add one, say why here.
    with django_assert_max_num_queries(2):
        response = client.get(reverse("creators:list"), {"q": "coffee"})
    assert "Coffee Lab" in response.content.decode()
    assert "Knitter" not in response.content.decode()
    page2 = client.get(reverse("creators:list"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in page2


def test_home_query_count_is_constant(client, django_assert_max_num_queries):
    CreatorProfileFactory.create_batch(20, is_featured=True)
    # Queries: featured creators (one); the header's profile lookup is skipped when signed out.
    with django_assert_max_num_queries(2):
        assert client.get("/").status_code == 200


def test_account_page_updates_name(fan_client, fan):
    response = fan_client.post(reverse("creators:account"), {"name": "Ana B."}, follow=True)
    fan.refresh_from_db()
    assert fan.name == "Ana B."
    assert "Your account is updated" in response.content.decode()


def test_profile_model_is_exported_in_admin(admin_client, creator):
    for url in [
        "/admin/creators/creatorprofile/",
        "/admin/creators/user/",
        "/admin/creators/engagementevent/",
        "/admin/creators/follow/",
        "/admin/shops/shop/",
        f"/admin/creators/creatorprofile/{creator.pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url


def test_admin_is_staff_only(fan_client):
    response = fan_client.get("/admin/creators/creatorprofile/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_search_and_filters_work(admin_client, creator):
    response = admin_client.get("/admin/creators/creatorprofile/", {"q": creator.handle})
    assert creator.handle in response.content.decode()
    response = admin_client.get(
        "/admin/creators/engagementevent/", {"dispatched_at__isnull": "True"}
    )
    assert response.status_code == 200


def test_admin_can_remove_images(admin_client, creator):
    from core.images import AVATAR, clean_image_upload, store_image

    stored = store_image(clean_image_upload(image_upload()), AVATAR)
    CreatorProfile.objects.filter(pk=creator.pk).update(
        avatar=stored.name, avatar_variants=stored.variants
    )
    admin_client.post(
        "/admin/creators/creatorprofile/",
        {"action": "remove_images", "_selected_action": [creator.pk]},
    )
    creator.refresh_from_db()
    assert not creator.avatar
