import factory
from allauth.account.models import EmailAddress

from accounts.models import Organisation, OrganisationDomain, OrganisationKind, User

DEFAULT_PASSWORD = "correct-horse-battery-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.CUSTOMER


class OrganisationDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationDomain

    organisation = factory.SubFactory(OrganisationFactory)
    domain = factory.Sequence(lambda n: f"org{n}.example")
    is_verified = True


class UserFactory(factory.django.DjangoModelFactory):
    """A person who can sign in: their email address is verified."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    member_type = "customer"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        if extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
