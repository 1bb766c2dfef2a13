"""One factory per model. Entities go through the registry service, so they are stored as production stores them."""

import itertools

import factory
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Department, User
from entities.identifiers import id_check_digit, uscc_check_char
from entities.models import Entity

_serial = itertools.count(1)


def make_uscc(region: str = "110105") -> str:
    """A fresh, valid unified social credit code."""
    first17 = f"91{region}MA{next(_serial):07d}"
    return first17 + uscc_check_char(first17)


def make_id_number(birth: str = "19850312", region: str = "110105") -> str:
    """A fresh, valid resident identity number born on ``birth`` (YYYYMMDD)."""
    first17 = f"{region}{birth}{next(_serial) % 1000:03d}"
    return first17 + id_check_digit(first17)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n:03d}")
    region_code = "110105"


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(role=roles.CASEWORKER)`` makes a staff member of that role (with a department if it needs one)."""

    class Meta:
        model = User

    class Params:
        role = None

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("pw")
    is_staff = factory.LazyAttribute(lambda u: u.role is not None and u.role != roles.ENTITY_REPRESENTATIVE)
    department = factory.LazyAttribute(lambda u: DepartmentFactory() if u.role in roles.DEPARTMENT_ROLES else None)
    # Handed to _create, which puts the user in the role's group once it exists.
    role_group = factory.SelfAttribute("role")

    @classmethod
    def _create(cls, model_class, *args, role_group=None, **kwargs):
        from accounts.services import user_sync_department_groups

        user = super()._create(model_class, *args, **kwargs)
        if role_group:
            user.groups.add(Group.objects.get(name=role_group))
            user_sync_department_groups(user)
        return user


class EntityFactory(factory.django.DjangoModelFactory):
    """Organisations by default; ``EntityFactory(person=True)`` for a natural person."""

    class Meta:
        model = Entity

    class Params:
        person = factory.Trait(kind=Entity.Kind.NATURAL_PERSON, identifier=factory.LazyFunction(make_id_number))

    kind = Entity.Kind.LEGAL_PERSON
    name = factory.Sequence(lambda n: f"Entity {n} Co., Ltd.")
    identifier = factory.LazyFunction(make_uscc)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from entities.services import entity_register

        return entity_register(actor=kwargs.pop("actor", None), **kwargs)


class CaseFactory(factory.django.DjangoModelFactory):
    """A draft case of a fresh department, by a caseworker of that department (rows written directly).

    Service tests build their cases through ``cases.services`` instead; this factory is for fixtures.
    """

    class Meta:
        model = "cases.Case"
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    entity = factory.SubFactory(EntityFactory)
    caseworker = factory.LazyAttribute(lambda case: UserFactory(role=roles.CASEWORKER, department=case.department))
    number = factory.Sequence(lambda n: f"T-2026-{n:06d}")
    facts = "Under-declared VAT for 2025 by RMB 1.2 million, established by the penalty decision."

    @factory.post_generation
    def grants(case, create, extracted, **kwargs):
        """The department and caseworker grants a case opened through the service would get (``grants=False``: none)."""
        if create and extracted is not False:
            from cases.services.access import case_grant_defaults

            case_grant_defaults(case=case, actor=None)
