"""factory_boy factories shared by every test folder."""

import factory
from django.conf import settings

from creators.models import CreatorProfile, Follow, User
from shops.models import Shop

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"fan{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary address, as allauth requires to log in."""
        if not create:
            return
        self.save()
        if extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )


class CreatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreatorProfile

    user = factory.SubFactory(UserFactory)
    handle = factory.Sequence(lambda n: f"creator_{n}")
    display_name = factory.Faker("company")
    bio = factory.Faker("sentence")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    creator = factory.SubFactory(CreatorProfileFactory)
    name = factory.SelfAttribute("creator.display_name")
    currency = settings.SHOP_DEFAULT_CURRENCY


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)
