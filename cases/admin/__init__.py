from . import appeals, case, catalogue, lifecycle  # noqa: F401 - registers the admins
